import type { KernelArena, TreeKernels } from './arena.js';
import type { NodeTable } from './node-table.js';
import { copyRun } from './partition.js';

/** Per-code list arrays in a KernelArena: their addresses for the WebAssembly kernels, and views. */
export interface CodeLists {
  readonly at: { readonly code: number; readonly count: number; readonly g: number; readonly h: number };
  readonly code: Int32Array;
  readonly count: Int32Array;
  readonly g: Float64Array;
  readonly h: Float64Array;
}

/** Builds a node's code list from its rows (the grower: with the partner's histogram when it can). */
export interface ListBuilder {
  /** The code list of rows idx[start..end) at entry `at` of `into`; `slot` is the node's histogram slot. */
  buildList(into: CodeLists, at: number, start: number, end: number, slot: number): number;
}

/**
 * The primary categorical's per-node code lists: one entry per code present in a node (code,
 * rows, gradient sum, hessian sum), in code order, O(rows in node) to build. Each open node owns a
 * region of the arena as long as its row count (`NodeTable.listAt`, `listLen`); a split gives the
 * parent's region to its children, the first part to the child that keeps the parent's list in
 * place. A "code k vs rest" split removes one entry; after any other split the smaller child's
 * list is built and the larger one's is the parent's minus it, merged in place.
 */
export class CodeListArena {
  lists!: CodeLists;
  /** Where a smaller child's list is built while its region still holds the parent's list. */
  private scratch!: CodeLists;
  private readonly listsAt: CodeLists['at'];
  private readonly scratchAt: CodeLists['at'];
  private readonly kernels: TreeKernels;

  /** Lists of `capacity` entries (one per row at most) and a scratch list of `scratchCap` (one per code at most). */
  constructor(
    private readonly arena: KernelArena,
    private readonly capacity: number,
    private readonly scratchCap: number,
  ) {
    this.kernels = arena.kernels;
    this.listsAt = allocLists(arena, capacity);
    this.scratchAt = allocLists(arena, scratchCap);
    this.remap();
  }

  static bytes(capacity: number, scratchCap: number): number {
    return 24 * (capacity + scratchCap) + 64;
  }

  /** Remake the views (after construction and whenever the arena grew). */
  remap(): void {
    this.lists = listViews(this.arena, this.listsAt, this.capacity);
    this.scratch = listViews(this.arena, this.scratchAt, this.scratchCap);
  }

  /** The root's list. */
  buildRoot(nodes: NodeTable, n: number, builder: ListBuilder): void {
    nodes.listAt[n] = 0;
    nodes.listLen[n] = builder.buildList(this.lists, 0, nodes.start[n], nodes.end[n], nodes.slot[n]);
  }

  /** First row position of the block of node n's chosen list entry: counts summed from the nearer end. */
  blockStart(nodes: NodeTable, n: number): number {
    const at = nodes.listAt[n];
    const k = nodes.splitEntry[n];
    const last = at + nodes.listLen[n] - 1;
    const count = this.lists.count;
    let rows = 0;
    if (k - at <= last - k) {
      for (let i = at; i < k; i++) rows += count[i];
      return nodes.start[n] + rows;
    }
    for (let i = k; i <= last; i++) rows += count[i];
    return nodes.end[n] - rows;
  }

  /** Rows of node n's chosen entry. */
  entryCount(nodes: NodeTable, n: number): number {
    return this.lists.count[nodes.splitEntry[n]];
  }

  /**
   * Children lists after a primary code split: B keeps the parent's list without the chosen
   * entry, in place; A (the one code) gets one entry after B's region.
   */
  splitOnCode(nodes: NodeTable, n: number, a: number, b: number): void {
    const at = nodes.listAt[n];
    const len = nodes.listLen[n];
    const k = nodes.splitEntry[n];
    const { code: lCode, count: lCount, g: lG, h: lH } = this.lists;
    const code = lCode[k];
    const cnt = lCount[k];
    const g = lG[k];
    const h = lH[k];
    lCode.copyWithin(k, k + 1, at + len);
    lCount.copyWithin(k, k + 1, at + len);
    lG.copyWithin(k, k + 1, at + len);
    lH.copyWithin(k, k + 1, at + len);
    nodes.listAt[b] = at;
    nodes.listLen[b] = len - 1;
    const aAt = at + nodes.end[b] - nodes.start[b];
    lCode[aAt] = code;
    lCount[aAt] = cnt;
    lG[aAt] = g;
    lH[aAt] = h;
    nodes.listAt[a] = aAt;
    nodes.listLen[a] = 1;
  }

  /**
   * Children lists after any other split: the smaller child's list is built from its rows (into
   * histogram slot `slot` too, when the builder fuses); the larger child's is the parent's minus
   * it, subtracted in place (each entry written at or before the one read).
   */
  splitByMerge(nodes: NodeTable, n: number, small: number, large: number, smallCan: boolean, largeCan: boolean, builder: ListBuilder, slot: number): void {
    const at = nodes.listAt[n];
    const len = nodes.listLen[n];
    const smallAt = at + nodes.end[large] - nodes.start[large];
    // The small list goes straight to its region unless that region still holds the parent's list.
    const direct = at + len <= smallAt;
    const into = direct ? this.lists : this.scratch;
    const s0 = direct ? smallAt : 0;
    const lenS = builder.buildList(into, s0, nodes.start[small], nodes.end[small], slot);
    if (largeCan) {
      const l = this.lists.at;
      const s = into.at;
      nodes.listAt[large] = at;
      nodes.listLen[large] = this.kernels.subtractList(l.code, l.count, l.g, l.h, at, len, s.code, s.count, s.g, s.h, s0, lenS);
    }
    if (smallCan) {
      if (!direct) {
        const l = this.lists;
        copyRun(l.code, smallAt, into.code, 0, lenS);
        copyRun(l.count, smallAt, into.count, 0, lenS);
        copyRun(l.g, smallAt, into.g, 0, lenS);
        copyRun(l.h, smallAt, into.h, 0, lenS);
      }
      nodes.listAt[small] = smallAt;
      nodes.listLen[small] = lenS;
    }
  }
}

/** Per-code list arrays of `cap` entries in the arena. */
function allocLists(arena: KernelArena, cap: number): CodeLists['at'] {
  return { code: arena.alloc(4 * cap), count: arena.alloc(4 * cap), g: arena.alloc(8 * cap), h: arena.alloc(8 * cap) };
}

function listViews(arena: KernelArena, at: CodeLists['at'], cap: number): CodeLists {
  return {
    at,
    code: arena.int32(at.code, cap),
    count: arena.int32(at.count, cap),
    g: arena.float64(at.g, cap),
    h: arena.float64(at.h, cap),
  };
}
