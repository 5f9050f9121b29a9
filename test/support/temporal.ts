import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { stageSearchAttribute } from '../../workflows/messages';

/** The bundle global-setup built once for the whole run. */
export function workflowBundle(): { codePath: string } {
  const codePath = process.env.DEEP_DIVE_WORKFLOW_BUNDLE;
  if (!codePath) throw new Error('DEEP_DIVE_WORKFLOW_BUNDLE is not set: run the tests through jest (global-setup)');
  return { codePath };
}

const existing = (path: string | undefined) => (path ? { executable: { type: 'existing-path' as const, path } } : {});

/** The time-skipping test server, one per test file, knowing the stage search attribute. */
export async function timeSkippingEnvironment(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: existing(process.env.TEMPORAL_TEST_SERVER_PATH),
  });
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: {
      [stageSearchAttribute.name]: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
    },
  });
  return env;
}

/** The real dev server (Temporal CLI), for end-to-end tests. */
export function devServerEnvironment(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      ...existing(process.env.TEMPORAL_CLI_PATH),
      searchAttributes: [stageSearchAttribute],
      extraArgs: ['--log-level', 'error'],
    },
  });
}
