//! D1: users, the coupon wallet and redemptions, orders and lines, payments,
//! refunds, idempotency keys and the points ledger (`migrations/`).
//!
//! Invariants:
//! - a checkout is one D1 batch (one transaction): the order, its lines, its
//!   idempotency key, its coupon redemptions and its points all land, or
//!   none does; a coupon redeemed twice or points spent below zero fail the
//!   whole batch;
//! - every later change of an order is a compare-and-set on `version`, and
//!   its side effects (lines, payment, refund, coupons and points given back)
//!   are guarded by the `last_op` the same batch wrote, so they happen
//!   exactly when the order change does;
//! - `session_key` is written here and read by nobody.

use crate::http::HttpError;
use commerce_core::orders::{CheckoutDecision, Order, Transition};
use commerce_core::pricing::{Customer, MAX_POINTS};
use serde::Deserialize;
use std::cell::Cell;
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, Env};

/// Every migration, in order (each statement is idempotent).
const SCHEMA: &str = concat!(
    include_str!("../migrations/0001_init.sql"),
    include_str!("../migrations/0002_unmatched_payments.sql"),
    include_str!("../migrations/0003_members.sql"),
    include_str!("../migrations/0004_refund_payouts.sql"),
);

thread_local! {
    static SCHEMA_READY: Cell<bool> = const { Cell::new(false) };
}

fn text(s: &str) -> JsValue {
    JsValue::from_str(s)
}

fn int(n: i64) -> JsValue {
    // D1 takes JavaScript numbers; every stored integer is below 2^53.
    JsValue::from_f64(n as f64)
}

/// The database, with the schema applied once per isolate.
pub async fn open(env: &Env) -> Result<D1Database, HttpError> {
    let db = env.d1("DB")?;
    if !SCHEMA_READY.with(Cell::get) {
        let code: String = SCHEMA
            .lines()
            .filter(|l| !l.trim_start().starts_with("--"))
            .collect::<Vec<_>>()
            .join("\n");
        let statements: Vec<D1PreparedStatement> = code
            .split(';')
            .filter(|s| !s.trim().is_empty())
            .map(|s| db.prepare(s))
            .collect();
        db.batch(statements).await?;
        SCHEMA_READY.with(|r| r.set(true));
    }
    Ok(db)
}

fn statement(
    db: &D1Database,
    sql: &str,
    values: &[JsValue],
) -> Result<D1PreparedStatement, HttpError> {
    Ok(db.prepare(sql).bind(values)?)
}

/// Create the user of `openid` or refresh their `session_key`.
pub async fn upsert_user(
    db: &D1Database,
    user_id: &str,
    openid: &str,
    session_key: &str,
    now: i64,
) -> Result<(), HttpError> {
    statement(
        db,
        "INSERT INTO users (id, openid, session_key, points, created_at) VALUES (?1, ?2, ?3, 0, ?4) \
         ON CONFLICT (openid) DO UPDATE SET session_key = excluded.session_key",
        &[text(user_id), text(openid), text(session_key), int(now)],
    )?
    .run()
    .await?;
    Ok(())
}

/// Set a user's points balance (dev seeding).
pub async fn set_points(db: &D1Database, user_id: &str, points: i64) -> Result<(), HttpError> {
    statement(
        db,
        "UPDATE users SET points = ?2 WHERE id = ?1",
        &[text(user_id), int(points)],
    )?
    .run()
    .await?;
    Ok(())
}

/// Give a shopper a member tier (`None`: no longer a member).
pub async fn set_member_tier(
    db: &D1Database,
    user_id: &str,
    tier: Option<&str>,
    now: i64,
) -> Result<(), HttpError> {
    let statement = match tier {
        Some(tier) => statement(
            db,
            "INSERT INTO members (user_id, tier, updated_at) VALUES (?1, ?2, ?3) \
             ON CONFLICT (user_id) DO UPDATE SET tier = ?2, updated_at = ?3",
            &[text(user_id), text(tier), int(now)],
        )?,
        None => statement(
            db,
            "DELETE FROM members WHERE user_id = ?1",
            &[text(user_id)],
        )?,
    };
    statement.run().await?;
    Ok(())
}

/// Claim a coupon; `false` if the wallet already had it.
pub async fn claim_coupon(
    db: &D1Database,
    user_id: &str,
    coupon_id: &str,
    now: i64,
) -> Result<bool, HttpError> {
    let result = statement(
        db,
        "INSERT OR IGNORE INTO coupon_wallet (user_id, coupon_id, claimed_at) VALUES (?1, ?2, ?3)",
        &[text(user_id), text(coupon_id), int(now)],
    )?
    .run()
    .await?;
    Ok(result.meta()?.and_then(|m| m.changes).unwrap_or(0) > 0)
}

#[derive(Deserialize)]
struct CouponRow {
    coupon_id: String,
}

#[derive(Deserialize)]
struct ShopperRow {
    /// D1 hands numbers over as JavaScript numbers: read as one, then
    /// checked (see [`points_balance`]).
    points: f64,
    tier: Option<String>,
    paid_orders: i64,
}

/// What checkout and the wallet need to know about a shopper, in one round
/// trip: the coupons they hold and have not redeemed (in claim order) and
/// their points balance (0 for an unknown user).
pub struct Shopper {
    pub coupon_ids: Vec<String>,
    /// The shopper as pricing sees them (tier, points, new customer).
    pub customer: Customer,
}

/// A stored balance as a points count. Every write is checked against
/// [`MAX_POINTS`]; one that is not a count all the same (written before the
/// check, or by hand) is logged and counts as 0 - the shopper keeps using
/// the shop (nothing to spend) until the merchant repairs it.
fn points_balance(user_id: &str, stored: f64) -> i64 {
    if stored.fract() == 0.0 && (0.0..=MAX_POINTS as f64).contains(&stored) {
        stored as i64
    } else {
        worker::console_error!(
            "user {user_id}: stored points {stored} are not a balance; counted as 0"
        );
        0
    }
}

pub async fn shopper(db: &D1Database, user_id: &str) -> Result<Shopper, HttpError> {
    let results = db
        .batch(vec![
            statement(
                db,
                "SELECT w.coupon_id FROM coupon_wallet w LEFT JOIN coupon_redemptions r \
                 ON r.user_id = w.user_id AND r.coupon_id = w.coupon_id \
                 WHERE w.user_id = ?1 AND r.order_id IS NULL ORDER BY w.claimed_at, w.coupon_id",
                &[text(user_id)],
            )?,
            statement(
                db,
                "SELECT u.points, m.tier, (SELECT COUNT(*) FROM orders o WHERE o.user_id = u.id \
                 AND o.status IN ('paid', 'shipped', 'completed', 'refunded')) AS paid_orders \
                 FROM users u LEFT JOIN members m ON m.user_id = u.id WHERE u.id = ?1",
                &[text(user_id)],
            )?,
        ])
        .await?;
    let coupons: Vec<CouponRow> = match results.first() {
        Some(r) => r.results()?,
        None => Vec::new(),
    };
    let record: Vec<ShopperRow> = match results.get(1) {
        Some(r) => r.results()?,
        None => Vec::new(),
    };
    let customer = match record.into_iter().next() {
        Some(r) => Customer::from_record(r.tier, points_balance(user_id, r.points), r.paid_orders),
        None => Customer::from_record(None, 0, 0),
    };
    Ok(Shopper {
        coupon_ids: coupons.into_iter().map(|r| r.coupon_id).collect(),
        customer,
    })
}

#[derive(Deserialize)]
struct BodyRow {
    body: String,
}

fn parse_order(row: BodyRow) -> Result<Order, HttpError> {
    serde_json::from_str(&row.body).map_err(|e| HttpError::Runtime(format!("stored order: {e}")))
}

/// An order by id.
pub async fn order(db: &D1Database, order_id: &str) -> Result<Option<Order>, HttpError> {
    let row: Option<BodyRow> = statement(
        db,
        "SELECT body FROM orders WHERE id = ?1",
        &[text(order_id)],
    )?
    .first(None)
    .await?;
    row.map(parse_order).transpose()
}

/// A user's orders, newest first, after the position `(created_at, id)`
/// of the last one already seen (if any).
pub async fn orders_of(
    db: &D1Database,
    user_id: &str,
    limit: i64,
    after: Option<(i64, &str)>,
) -> Result<Vec<Order>, HttpError> {
    let (at, id) = after.unwrap_or((i64::MAX, ""));
    let rows: Vec<BodyRow> = statement(
        db,
        "SELECT body FROM orders WHERE user_id = ?1 AND (created_at < ?2 OR (created_at = ?2 AND id < ?3)) \
         ORDER BY created_at DESC, id DESC LIMIT ?4",
        &[text(user_id), int(at), text(id), int(limit)],
    )?
    .all()
    .await?
    .results()?;
    rows.into_iter().map(parse_order).collect()
}

#[derive(Deserialize)]
pub struct IdempotencyRow {
    pub request_hash: String,
    pub order_id: String,
}

/// What an idempotency key was used for.
pub async fn idempotency(
    db: &D1Database,
    user_id: &str,
    key: &str,
) -> Result<Option<IdempotencyRow>, HttpError> {
    Ok(statement(
        db,
        "SELECT request_hash, order_id FROM idempotency_keys WHERE user_id = ?1 AND key = ?2",
        &[text(user_id), text(key)],
    )?
    .first(None)
    .await?)
}

/// How a checkout batch ended.
pub enum Checkout {
    Stored,
    /// The order (or the key) exists already: a concurrent retry won.
    Exists,
    CouponAlreadyUsed,
    NotEnoughPoints,
}

fn order_json(order: &Order) -> Result<String, HttpError> {
    serde_json::to_string(order).map_err(|e| HttpError::Runtime(e.to_string()))
}

/// Write a checkout decision in one transaction.
pub async fn create_order(
    db: &D1Database,
    decision: &CheckoutDecision,
    key: &str,
    request_hash: &str,
    op_id: &str,
) -> Result<Checkout, HttpError> {
    let order = &decision.order;
    let mut batch = vec![statement(
        db,
        "INSERT INTO orders (id, user_id, status, version, payable, created_at, updated_at, last_op, body) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8)",
        &[
            text(&order.id),
            text(&order.user_id),
            text(order.status.name()),
            int(i64::try_from(order.version).unwrap_or(i64::MAX)),
            int(order.payable.as_fen()),
            int(order.created_at),
            text(op_id),
            text(&order_json(order)?),
        ],
    )?];
    for line in &order.lines {
        batch.push(statement(
            db,
            "INSERT INTO order_lines (order_id, sku_id, quantity, unit_price, payable) VALUES (?1, ?2, ?3, ?4, ?5)",
            &[
                text(&order.id),
                text(&line.sku_id),
                int(line.quantity),
                int(line.unit_price.as_fen()),
                int(line.payable.as_fen()),
            ],
        )?);
    }
    batch.push(statement(
        db,
        "INSERT INTO idempotency_keys (user_id, key, request_hash, order_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        &[
            text(&order.user_id),
            text(key),
            text(request_hash),
            text(&order.id),
            int(order.created_at),
        ],
    )?);
    for coupon in &decision.redeem_coupons {
        batch.push(statement(
            db,
            "INSERT INTO coupon_redemptions (user_id, coupon_id, order_id, redeemed_at) VALUES (?1, ?2, ?3, ?4)",
            &[
                text(&order.user_id),
                text(coupon),
                text(&order.id),
                int(order.created_at),
            ],
        )?);
    }
    batch.push(statement(
        db,
        "INSERT INTO points_ledger (order_id, kind, user_id, points) VALUES (?1, 'redeem', ?2, ?3)",
        &[
            text(&order.id),
            text(&order.user_id),
            int(-decision.redeem_points),
        ],
    )?);
    batch.push(statement(
        db,
        "UPDATE users SET points = points - ?2 WHERE id = ?1",
        &[text(&order.user_id), int(decision.redeem_points)],
    )?);
    match db.batch(batch).await {
        Ok(_) => Ok(Checkout::Stored),
        Err(e) => {
            let message = e.to_string();
            if message.contains("orders.id") || message.contains("idempotency_keys") {
                Ok(Checkout::Exists)
            } else if message.contains("coupon_redemptions") {
                Ok(Checkout::CouponAlreadyUsed)
            } else if message.contains("CHECK constraint") {
                Ok(Checkout::NotEnoughPoints)
            } else {
                Err(e.into())
            }
        }
    }
}

/// Store a transition of an order last seen at `before_version`; `false`
/// when someone else changed the order first (nothing was written).
pub async fn save_transition(
    db: &D1Database,
    before_version: u64,
    transition: &Transition,
    op_id: &str,
) -> Result<bool, HttpError> {
    let order = &transition.order;
    let guard = "EXISTS (SELECT 1 FROM orders WHERE id = ?1 AND last_op = ?2)";
    let base = [text(&order.id), text(op_id)];
    let guarded = |sql: String, extra: &[JsValue]| {
        let values: Vec<JsValue> = base.iter().cloned().chain(extra.iter().cloned()).collect();
        statement(db, &sql, &values)
    };
    let mut batch = vec![statement(
        db,
        "UPDATE orders SET status = ?3, version = ?4, updated_at = ?5, last_op = ?2, body = ?6 \
         WHERE id = ?1 AND version = ?7",
        &[
            text(&order.id),
            text(op_id),
            text(order.status.name()),
            int(i64::try_from(order.version).unwrap_or(i64::MAX)),
            int(order.updated_at),
            text(&order_json(order)?),
            int(i64::try_from(before_version).unwrap_or(i64::MAX)),
        ],
    )?];
    for line in &order.lines {
        batch.push(guarded(
            format!("UPDATE order_lines SET refunded_quantity = ?4, refunded_amount = ?5 WHERE order_id = ?1 AND sku_id = ?3 AND {guard}"),
            &[text(&line.sku_id), int(line.refunded_quantity), int(line.refunded_amount.as_fen())],
        )?);
    }
    if let Some(payment) = &order.payment {
        batch.push(guarded(
            format!("INSERT OR IGNORE INTO payments (transaction_id, order_id, amount, paid_at) SELECT ?3, ?1, ?4, ?5 WHERE {guard}"),
            &[text(&payment.transaction_id), int(payment.amount.as_fen()), int(payment.paid_at)],
        )?);
    }
    let effects = &transition.effects;
    for coupon in &effects.return_coupons {
        batch.push(guarded(
            format!(
                "DELETE FROM coupon_redemptions WHERE order_id = ?1 AND coupon_id = ?3 AND {guard}"
            ),
            &[text(coupon)],
        )?);
    }
    let kind = format!("return-v{}", order.version);
    batch.push(guarded(
        format!("INSERT INTO points_ledger (order_id, kind, user_id, points) SELECT ?1, ?3, ?4, ?5 WHERE {guard}"),
        &[text(&kind), text(&order.user_id), int(effects.return_points)],
    )?);
    batch.push(guarded(
        format!("UPDATE users SET points = points + ?4 WHERE id = ?3 AND {guard}"),
        &[text(&order.user_id), int(effects.return_points)],
    )?);
    if let Some(refund) = &effects.refund {
        let body = serde_json::to_string(refund).map_err(|e| HttpError::Runtime(e.to_string()))?;
        batch.push(guarded(
            format!("INSERT OR IGNORE INTO refunds (refund_id, order_id, amount, body, created_at) SELECT ?3, ?1, ?4, ?5, ?6 WHERE {guard}"),
            &[text(&refund.refund_id), int(refund.amount.as_fen()), text(&body), int(refund.at)],
        )?);
    }
    let results = db.batch(batch).await?;
    let changed = results
        .first()
        .and_then(|r| r.meta().ok().flatten())
        .and_then(|m| m.changes)
        .unwrap_or(0);
    Ok(changed == 1)
}

#[derive(Deserialize)]
struct OpenidRow {
    openid: String,
}

/// A user's WeChat openid (for the payment provider only).
pub async fn openid(db: &D1Database, user_id: &str) -> Result<String, HttpError> {
    let row: Option<OpenidRow> = statement(
        db,
        "SELECT openid FROM users WHERE id = ?1",
        &[text(user_id)],
    )?
    .first(None)
    .await?;
    row.map(|r| r.openid)
        .ok_or_else(|| HttpError::unauthorized("UNAUTHORIZED", "unknown user; log in again"))
}

/// A payment no order could take, kept for a refund by the merchant.
#[derive(serde::Serialize, Deserialize)]
pub struct UnmatchedPayment {
    pub transaction_id: String,
    pub order_id: String,
    pub amount: i64,
    pub reason: String,
    pub received_at: i64,
}

/// Record an unmatched payment (once per transaction).
pub async fn record_unmatched(
    db: &D1Database,
    payment: &UnmatchedPayment,
) -> Result<(), HttpError> {
    statement(
        db,
        "INSERT OR IGNORE INTO unmatched_payments (transaction_id, order_id, amount, reason, received_at) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
        &[
            text(&payment.transaction_id),
            text(&payment.order_id),
            int(payment.amount),
            text(&payment.reason),
            int(payment.received_at),
        ],
    )?
    .run()
    .await?;
    Ok(())
}

/// A refund payout as the provider last answered it.
#[derive(serde::Serialize, Deserialize)]
pub struct RefundPayout {
    pub order_id: String,
    pub refund_id: String,
    pub out_refund_no: String,
    pub amount: i64,
    pub provider_refund_id: String,
    pub status: String,
    pub requested_at: i64,
}

/// Record (or update) a refund payout.
pub async fn record_payout(db: &D1Database, payout: &RefundPayout) -> Result<(), HttpError> {
    statement(
        db,
        "INSERT INTO refund_payouts (order_id, refund_id, out_refund_no, amount, provider_refund_id, status, requested_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (order_id, refund_id) \
         DO UPDATE SET provider_refund_id = ?5, status = ?6, requested_at = ?7",
        &[
            text(&payout.order_id),
            text(&payout.refund_id),
            text(&payout.out_refund_no),
            int(payout.amount),
            text(&payout.provider_refund_id),
            text(&payout.status),
            int(payout.requested_at),
        ],
    )?
    .run()
    .await?;
    Ok(())
}

/// Refund payouts, oldest first; only those with `status` when given.
pub async fn payouts(
    db: &D1Database,
    status: Option<&str>,
) -> Result<Vec<RefundPayout>, HttpError> {
    let sql = "SELECT * FROM refund_payouts WHERE ?1 IS NULL OR status = ?1 \
               ORDER BY requested_at, order_id, refund_id";
    let status = status.map_or(JsValue::NULL, text);
    Ok(statement(db, sql, &[status])?.all().await?.results()?)
}

/// Every unmatched payment, oldest first.
pub async fn unmatched(db: &D1Database) -> Result<Vec<UnmatchedPayment>, HttpError> {
    Ok(db
        .prepare("SELECT * FROM unmatched_payments ORDER BY received_at, transaction_id")
        .all()
        .await?
        .results()?)
}
