// Display helpers: integers to the strings a shopper reads. Formatting only,
// never arithmetic on prices (the core computes every amount).
function yuan(fen) {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}¥${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** Whole metres as "850 m" / "1.2 km". */
function distance(metres) {
  return metres < 1000 ? `${metres} m` : `${(metres / 1000).toFixed(1)} km`;
}

/** Seconds left as "HH:MM:SS" ("00:00:00" once over). */
function countdown(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const two = (n) => String(n).padStart(2, '0');
  return `${two(Math.floor(s / 3600))}:${two(Math.floor((s % 3600) / 60))}:${two(s % 60)}`;
}

const STEPS = {
  full_reduction_shop: '店铺满减 shop offer',
  full_reduction_platform: '平台满减 platform offer',
  shop_coupon: '店铺券 shop coupon',
  platform_coupon: '平台券 coupon',
  points: '积分抵扣 points',
  shipping_coupon: '运费券 shipping coupon',
};

/**
 * A quote discount {step, source_id, amount} as {label, amount: "−¥x.xx"}
 * (a minus sign, as a receipt prints it). `names`: what the shopper reads
 * for a source id (a coupon's title); without one, the id is shown.
 */
function discount(d, names = {}) {
  const source = names[d.source_id] || (d.source_id === 'points' ? '' : d.source_id);
  return { label: `${STEPS[d.step] || d.step} ${source}`.trim(), amount: `−${yuan(d.amount)}` };
}

/** A core/edge error as one line: "CODE: message". */
function errorText(e) {
  return `${(e && e.code) || 'ERROR'}: ${(e && e.message) || e}`;
}

module.exports = { yuan, distance, countdown, discount, errorText };
