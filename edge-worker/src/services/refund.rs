//! Refunds (`POST /v1/orders/:id/refund` by the shopper, the same by the
//! merchant under `/v1/admin`): core decides who may and how much (from the
//! stored per-line allocations); the payout goes through the payment
//! provider and its answer is recorded.
//!
//! Rule: `out_refund_no` is derived from the order and refund ids, so
//! retrying a refund asks the provider for the same payout (it pays each
//! `out_refund_no` once). A refund of 0 fen asks nothing. A refused or
//! unanswered payout is recorded as `FAILED` (money still owed, listed for
//! the merchant) and answered 502 `REFUND_PAYOUT_FAILED`; the refund itself
//! stays recorded, and a retry with the same `refund_id` asks again.

use super::{
    digest_hex, orders, Crypto, OrderStore, Payments, PayoutAnswer, PayoutRequest, StockHolds,
};
use crate::error::{Error, Result};
use commerce_core::edge_api::{Payout, RefundPayout, RefundRequest, RefundResult};
use commerce_core::money::Money;
use commerce_core::orders::{Event, Order, RefundRecord, Requester};

pub async fn refund(
    b: &(impl OrderStore + StockHolds + Crypto + Payments),
    order_id: &str,
    request: RefundRequest,
    by: Requester,
    owner: Option<&str>,
    now: i64,
) -> Result<RefundResult> {
    let refund_id = match request.refund_id {
        Some(id) => id,
        None => format!("r{}", b.random_hex(8)?),
    };
    let event = Event::Refund {
        refund_id: refund_id.clone(),
        lines: request.lines,
        by,
    };
    let transition = orders::run(b, order_id, &event, owner, now).await?;
    // A retried refund_id changes nothing but asks for its payout again.
    let refund = transition
        .order
        .refunds
        .iter()
        .find(|r| r.refund_id == refund_id)
        .cloned()
        .ok_or_else(|| Error::Runtime(format!("refund {refund_id} was not recorded")))?;
    let payout = pay_out(b, &transition.order, &refund, now).await?;
    Ok(RefundResult {
        order: transition.order.view(by, now),
        refund,
        payout,
    })
}

/// Pay `refund` of `order` back through the provider and record the answer.
async fn pay_out(
    b: &(impl OrderStore + Crypto + Payments),
    order: &Order,
    refund: &RefundRecord,
    now: i64,
) -> Result<Payout> {
    let payment = order
        .payment
        .as_ref()
        .ok_or_else(|| Error::Runtime(format!("refund of unpaid order {}", order.id)))?;
    let out_refund_no = format!(
        "rf{}",
        digest_hex(b, &format!("{}\n{}", order.id, refund.refund_id), 15).await?
    );
    let asked = if refund.amount == Money::ZERO {
        Ok(PayoutAnswer {
            refund_id: String::new(),
            status: "NOTHING_TO_PAY".into(),
        })
    } else {
        b.refund(&PayoutRequest {
            transaction_id: payment.transaction_id.clone(),
            out_refund_no: out_refund_no.clone(),
            reason: format!("refund {} of order {}", refund.refund_id, order.id),
            refund: refund.amount,
            total: payment.amount,
        })
        .await
    };
    let (provider_refund_id, status) = match &asked {
        Ok(answer) => (answer.refund_id.clone(), answer.status.clone()),
        Err(_) => (String::new(), "FAILED".to_owned()),
    };
    let record = RefundPayout {
        order_id: order.id.clone(),
        refund_id: refund.refund_id.clone(),
        out_refund_no,
        amount: refund.amount.as_fen(),
        provider_refund_id,
        status,
        requested_at: now,
    };
    b.record_payout(&record).await?;
    match asked {
        Ok(_) => Ok(Payout {
            out_refund_no: record.out_refund_no,
            provider_refund_id: record.provider_refund_id,
            status: record.status,
        }),
        Err(Error::Status(code, mut e)) => {
            crate::logs::warn!(
                "refund payout failed: order {} refund {}: {}",
                order.id,
                refund.refund_id,
                e.code
            );
            e.message = format!(
                "refund {} is recorded but its payout failed ({}); retry with the same refund_id",
                refund.refund_id, e.message
            );
            Err(Error::Status(code, e))
        }
        Err(other) => Err(other),
    }
}
