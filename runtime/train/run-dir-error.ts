import { NetcError, type NetcErrorOptions } from '../../compiler/diagnostics/netc-error.js';

/** A run directory that cannot be used as asked: NETC5101 (in use), NETC5102 (holds a run), NETC5103 (not a run directory), NETC5104 (--resume with conflicting flags). */
export class RunDirError extends NetcError {
  constructor(message: string, code: 'NETC5101' | 'NETC5102' | 'NETC5103' | 'NETC5104' = 'NETC5103', options: NetcErrorOptions = {}) {
    super(code, message, options);
  }
}
