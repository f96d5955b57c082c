#!/usr/bin/env bash
# Seeds a running local edge worker with the demo data in edge-worker/seed/
# (storefront: 3 shops, categories, SKUs with specs, a flash sale, a quantity
# ladder, full reductions, points, shipping, claimable coupons; stores in
# Shanghai, Beijing and Guangzhou with delivery areas) through the dev-only
# admin routes, makes a demo shopper with points and a coupon, and prints a
# session token to try the user routes with.
#
#   cd edge-worker && wrangler dev --persist-to ../.wrangler-state \
#     --var ADMIN_TOKEN:dev-admin --var SESSION_SECRET:dev-only-secret &
#   bash scripts/seed-dev.sh            # EDGE_URL, ADMIN_TOKEN override the defaults
#
# Everything lands in the worker's local KV / D1 / Durable Objects under its
# --persist-to directory, so it survives restarts of `wrangler dev`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
URL="${EDGE_URL:-http://127.0.0.1:8787}"
TOKEN="${ADMIN_TOKEN:-dev-admin}"
SEED="$ROOT/edge-worker/seed"

call() { # METHOD PATH BODY-FILE-OR-JSON
  local body="$3"
  [ -f "$body" ] && body="@$body"
  curl -sS --fail-with-body -X "$1" "$URL$2" -H "x-admin-token: $TOKEN" \
    -H 'content-type: application/json' --data-binary "$body"
}

curl -sS --fail "$URL/v1/health" >/dev/null || {
  echo "no edge worker at $URL; start it first (see the top of this script)" >&2
  exit 1
}
echo "catalog: $(call PUT /v1/admin/catalog "$SEED/storefront.json")"
echo "stores:  $(call PUT /v1/admin/stores "$SEED/stores.json")"
session="$(call POST /v1/admin/session '{"openid":"dev-shopper","points":5000}')"
token="$(node -e 'console.log(JSON.parse(process.argv[1]).token)' "$session")"
curl -sS --fail -X POST "$URL/v1/coupons/claim" -H "authorization: Bearer $token" \
  --data '{"coupon_id":"welcome-10"}' >/dev/null
cat <<MSG

Demo shopper "dev-shopper" (5000 points, coupon welcome-10). Session token:

$token

Try:
  export TOKEN='$token'
  curl -s $URL/v1/catalog | head -c 300; echo
  curl -s '$URL/v1/coupons?lines=jasmine-500g:2' -H "authorization: Bearer \$TOKEN"
  curl -s -X POST $URL/v1/orders -H "authorization: Bearer \$TOKEN" -H 'idempotency-key: try-1' \\
       --data '{"lines":[{"sku_id":"jasmine-500g","quantity":2}],"expected_payable":0}'
       # -> 409 PRICE_CHANGED with the real quote; send its payable as expected_payable
  curl -s '$URL/v1/stores/nearest?lat=31.2304&lng=121.4737&coord=gcj02&k=2'
A real login needs WECHAT_APPID / WECHAT_SECRET (POST /v1/auth/login {"code"}).
MSG
