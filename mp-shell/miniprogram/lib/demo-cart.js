// A small demo cart, priced by the core on the index page until the shop
// pages load the real catalog from the edge. (The JSON file is also the
// sample request that `make dev` prints for curl.)
module.exports = require('./demo-cart.json');
