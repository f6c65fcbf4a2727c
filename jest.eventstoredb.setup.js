// See jest.eventstoredb.js: the services under test write their logs through the EventStoreDB adapter.
process.env.STOCKFLOW_TEST_EVENT_LOG = process.env.EVENTSTORE_URL ? 'eventstoredb' : 'eventstoredb-model';
