import { EventCatalog } from './event-catalog.js';
import { skuEvents } from './inventory/sku-events.js';

/** Every event stockflow publishes. New contexts add their definitions here. */
export const allEventDefinitions = [...skuEvents];

export const stockflowCatalog = new EventCatalog(allEventDefinitions);
