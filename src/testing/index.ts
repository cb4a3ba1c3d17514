export { describeModelRegistryStore, describeTrackingStore } from './tracking-store.js';
