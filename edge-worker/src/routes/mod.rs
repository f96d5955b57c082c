//! The route table: path patterns (matched by `matchit`, the router inside
//! the `worker` crate) to one handler per method. A known path with another
//! method is 405 with `Allow`; an unknown path is 404 — both as JSON errors.
//! One module per route group; each handler decodes, calls core, encodes.

mod admin;
mod auth;
mod cart;
mod catalog;
mod core_ops;
mod coupons;
mod health;
mod orders;
mod pay;
mod stores;

use crate::http::HttpError;
use crate::kv;
use commerce_core::error::{ApiError, ErrorKind};
use commerce_core::orders::{Event, Requester};
use worker::{Env, Method, Request, Response};

/// Which handler group a path leads to.
#[derive(Clone, Copy)]
enum Route {
    Health,
    Quote,
    Operation,
    Catalog,
    Stores,
    StoresNearest,
    Login,
    Me,
    Coupons,
    CouponClaim,
    CartSync,
    Orders,
    Order,
    OrderCancel,
    OrderRefund,
    OrderPay,
    OrderPaySandbox,
    PayNotify,
    AdminCatalog,
    AdminStores,
    AdminSession,
    AdminShip,
    AdminComplete,
    AdminRefund,
    AdminStock,
    AdminUnmatched,
    AdminPayouts,
}

impl Route {
    /// The methods this route answers, for the `Allow` header of a 405.
    fn allow(self) -> &'static str {
        match self {
            Route::Health
            | Route::Catalog
            | Route::Stores
            | Route::StoresNearest
            | Route::Coupons
            | Route::Order
            | Route::Me
            | Route::AdminUnmatched
            | Route::AdminPayouts => "GET",
            Route::Orders => "GET, POST",
            Route::AdminCatalog | Route::AdminStores => "PUT",
            _ => "POST",
        }
    }
}

fn table() -> matchit::Router<Route> {
    let mut router = matchit::Router::new();
    for (pattern, route) in [
        ("/v1/health", Route::Health),
        ("/v1/quote", Route::Quote),
        ("/v1/ops/:op", Route::Operation),
        ("/v1/catalog", Route::Catalog),
        ("/v1/stores", Route::Stores),
        ("/v1/stores/nearest", Route::StoresNearest),
        ("/v1/auth/login", Route::Login),
        ("/v1/me", Route::Me),
        ("/v1/coupons", Route::Coupons),
        ("/v1/coupons/claim", Route::CouponClaim),
        ("/v1/cart/sync", Route::CartSync),
        ("/v1/orders", Route::Orders),
        ("/v1/orders/:id", Route::Order),
        ("/v1/orders/:id/cancel", Route::OrderCancel),
        ("/v1/orders/:id/refund", Route::OrderRefund),
        ("/v1/orders/:id/pay", Route::OrderPay),
        ("/v1/orders/:id/pay/sandbox", Route::OrderPaySandbox),
        ("/v1/pay/notify", Route::PayNotify),
        ("/v1/admin/catalog", Route::AdminCatalog),
        ("/v1/admin/stores", Route::AdminStores),
        ("/v1/admin/session", Route::AdminSession),
        ("/v1/admin/orders/:id/ship", Route::AdminShip),
        ("/v1/admin/orders/:id/complete", Route::AdminComplete),
        ("/v1/admin/orders/:id/refund", Route::AdminRefund),
        ("/v1/admin/stock", Route::AdminStock),
        ("/v1/admin/unmatched-payments", Route::AdminUnmatched),
        ("/v1/admin/refund-payouts", Route::AdminPayouts),
    ] {
        // The patterns are literals above; inserting them cannot conflict.
        let _ = router.insert(pattern, route);
    }
    router
}

pub async fn dispatch(mut req: Request, env: Env) -> Result<Response, HttpError> {
    let path = req.path();
    let router = table();
    let Ok(matched) = router.at(&path) else {
        return Err(
            ApiError::new(ErrorKind::NotFound, "NOT_FOUND", format!("no route {path}")).into(),
        );
    };
    let route = *matched.value;
    let id = matched.params.get("id").unwrap_or_default().to_owned();
    let op = matched.params.get("op").unwrap_or_default().to_owned();
    if matches!(
        route,
        Route::AdminCatalog
            | Route::AdminStores
            | Route::AdminSession
            | Route::AdminShip
            | Route::AdminComplete
            | Route::AdminRefund
            | Route::AdminStock
            | Route::AdminUnmatched
            | Route::AdminPayouts
    ) {
        admin::guard(&req, &env)?;
    }
    let env = &env;
    match (route, req.method()) {
        (Route::Health, Method::Get) => health::get(env),
        (Route::Quote, Method::Post) => core_ops::quote(&mut req, env).await,
        (Route::Operation, Method::Post) => core_ops::post(&mut req, &op).await,
        (Route::Catalog, Method::Get) => catalog::get(&req, env, kv::STOREFRONT).await,
        (Route::Stores, Method::Get) => catalog::get(&req, env, kv::STORES).await,
        (Route::StoresNearest, Method::Get) => stores::nearest(&req, env).await,
        (Route::Login, Method::Post) => auth::login(&mut req, env).await,
        (Route::Me, Method::Get) => auth::me(&req, env).await,
        (Route::Coupons, Method::Get) => coupons::list(&req, env).await,
        (Route::CouponClaim, Method::Post) => coupons::claim(&mut req, env).await,
        (Route::CartSync, Method::Post) => cart::sync(&mut req, env).await,
        (Route::Orders, Method::Post) => orders::create(&mut req, env).await,
        (Route::Orders, Method::Get) => orders::list(&req, env).await,
        (Route::Order, Method::Get) => orders::get(&req, env, &id).await,
        (Route::OrderCancel, Method::Post) => orders::cancel(&req, env, &id).await,
        (Route::OrderRefund, Method::Post) => {
            orders::refund(&mut req, env, &id, Requester::Shopper).await
        }
        (Route::OrderPay, Method::Post) => pay::prepay(&req, env, &id).await,
        (Route::OrderPaySandbox, Method::Post) => pay::sandbox(&req, env, &id).await,
        (Route::PayNotify, Method::Post) => pay::notify(&mut req, env).await,
        (Route::AdminCatalog, Method::Put) => admin::put_catalog(&mut req, env).await,
        (Route::AdminStores, Method::Put) => admin::put_stores(&mut req, env).await,
        (Route::AdminSession, Method::Post) => admin::session(&mut req, env).await,
        (Route::AdminShip, Method::Post) => admin::order_event(env, &id, Event::Ship).await,
        (Route::AdminComplete, Method::Post) => admin::order_event(env, &id, Event::Complete).await,
        (Route::AdminRefund, Method::Post) => {
            orders::refund(&mut req, env, &id, Requester::Merchant).await
        }
        (Route::AdminStock, Method::Post) => admin::stock(&mut req, env).await,
        (Route::AdminUnmatched, Method::Get) => admin::unmatched_payments(env).await,
        (Route::AdminPayouts, Method::Get) => admin::refund_payouts(&req, env).await,
        _ => Err(HttpError::MethodNotAllowed {
            allowed: route.allow(),
        }),
    }
}
