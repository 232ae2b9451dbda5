export { mergeBackendEntries, removeBackendEntries } from './backend-file-edit.ts';
export { deployCommand, runDeploy } from './deploy-command.ts';
export type { DeployIo } from './deploy-io.ts';
export { type DeployManifest, readManifest } from './deploy-manifest.ts';
export { DEPLOY_USAGE } from './deploy-usage.ts';
export { expandNodeList } from './expand-node-list.ts';
export { DEPLOY_FLAGS, parseDeployArgs } from './parse-deploy-args.ts';
export { shellJoin, shellQuote } from './shell-quote.ts';
export { splitShellWords } from './split-shell-words.ts';
