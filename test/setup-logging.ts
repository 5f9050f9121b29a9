// Keeps the SDK's worker chatter (state changes, bundler output) out of test output; warnings stay.
import { DefaultLogger, Runtime } from '@temporalio/worker';

try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch (err) {
  // Installed already by an earlier test file in this process.
  if (!(err instanceof Error && err.name === 'IllegalStateError')) throw err;
}
