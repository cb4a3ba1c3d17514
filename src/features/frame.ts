/**
 * The columnar input of `DictVectorizer`. Frames are defined with the tables they come from
 * (`data/frame.ts`); this module names them for the features layer.
 */
export {
  type CategoricalFrameColumn,
  type FeatureFrame,
  type FeatureRecord,
  type FrameColumn,
  type NumericFrameColumn,
  isFeatureFrame,
} from '../data/frame.js';
