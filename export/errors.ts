import { NetcError } from '../compiler/diagnostics/netc-error.js';

/** A plan the exporters cannot express in the target engine, or an output they cannot write: the user's problem, exit 1 (NETC5501). */
export class ExportError extends NetcError {
  constructor(message: string) {
    super('NETC5501', message);
  }
}
