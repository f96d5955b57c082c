// Display helpers: fen to a yuan string. Formatting only, never arithmetic on
// prices (the core computes every amount).
function yuan(fen) {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}¥${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

module.exports = { yuan };
