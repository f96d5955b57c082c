-- Member tiers (会员等级) the merchant gives shoppers: priced by the
-- storefront's tier prices and member discounts. No row: not a member.
CREATE TABLE IF NOT EXISTS members (
  user_id TEXT PRIMARY KEY,
  tier TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
