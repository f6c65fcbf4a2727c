// GET /carts/:id: path parameters `CartIdParams`, response `CartView`.
export { CartIdParams as GetCartParams } from '../shared/cart-params.js';
export { CartView } from '../shared/cart.view.js';
