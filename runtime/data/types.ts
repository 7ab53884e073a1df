/** An in-memory labelled image dataset, as every loader returns it. */
export interface Dataset {
  /** count*height*width*channels bytes, NHWC, raw 0-255 values. */
  images: Uint8Array;
  /** count class indices, each < numClasses (32-bit: ImageNet-21k has 21,841 classes). */
  labels: Uint32Array;
  count: number;
  height: number;
  width: number;
  channels: number;
  numClasses: number;
  classNames?: string[];
  /** The file or folder the images were read from; error messages name it. */
  source: string;
}

export type DatasetKind = 'fashion-mnist' | 'idx' | 'cifar10' | 'image-folder';
export type Split = 'train' | 'test';

export interface DataSpec {
  kind: DatasetKind;
  /** Folder holding the data; relative paths are taken from the spec file's folder. Without it, <spec folder>/data is tried first. */
  path?: string;
}

export interface LoadOptions {
  /** Folder of the spec file, against which a relative spec path is resolved (default: cwd). */
  specDir?: string;
  /** Environment to read NETC_DATA from (default: process.env); tests pass their own. */
  env?: Record<string, string | undefined>;
  /** Where distribution packages put datasets (default: /usr/share/datasets). */
  systemDataDir?: string;
  /** Look only in the given path (the user named it with --data): no fall-through to other places. */
  only?: boolean;
}
