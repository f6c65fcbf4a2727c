// DELETE /carts/:id/lines/:sku takes no body; its path parameters are `CartLineParams`.
export { CartLineParams as RemoveLineParams } from '../shared/cart-params.js';
