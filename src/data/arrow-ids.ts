/**
 * Arrow's type ids and time units as plain numbers, fixed by the Arrow format (Schema.fbs).
 * Importing them from `apache-arrow/enum` would load Arrow's whole flatbuffers layer (tens of ms
 * in a fresh process) on the taxi path, which never builds an Arrow table. A test checks them
 * against apache-arrow's own enums.
 */
export const ARROW_TYPE = { Null: 1, Int: 2, Float: 3, Timestamp: 10 } as const;
export const ARROW_TIME_UNIT = { SECOND: 0, MILLISECOND: 1, MICROSECOND: 2, NANOSECOND: 3 } as const;
