import type * as Load from './load';
import type * as Manifests from './manifests';

// The file-reading side of the gate (the loader, its YAML schema, validateManifests) is loaded on
// first use: every synth imports the gate but reads no manifest files, and these modules would cost
// it a few milliseconds of loading. The types are the modules' own.
/* eslint-disable @typescript-eslint/no-require-imports -- deferred loading is the point of this file */

/** See {@link Load.loadManifests}. */
export const loadManifests: typeof Load.loadManifests = (...args) => (require('./load') as typeof Load).loadManifests(...args);

/** See {@link Manifests.validateManifests}. */
export const validateManifests: typeof Manifests.validateManifests = (...args) =>
  (require('./manifests') as typeof Manifests).validateManifests(...args);
