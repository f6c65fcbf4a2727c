// The parts of the testing lib that need no test runner (no `expect`): HTTP and sink clients and
// the workspace root, for tools that drive a running system outside Jest (`npm run bench:scale`).
export { fetchJson, type JsonAnswer } from './fetch-json.js';
export { notificationMails, notificationSms, sentMails, sentSms } from './sink-clients.js';
export { workspaceRoot } from './workspace-root.js';
