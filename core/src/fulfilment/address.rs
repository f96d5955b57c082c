//! Where an order goes: the contact, a delivery address with its position,
//! a postal address with its region.
//!
//! Rules:
//! - a **contact** has a name (1 to 32 characters after trimming) and a
//!   phone: a mainland mobile number, 11 digits starting `1[3-9]` (an
//!   optional `+86` or `86` prefix, spaces and dashes are dropped), or a
//!   landline `0` + area code + number, 10 to 12 digits; anything else is
//!   `INVALID_PHONE`. The number is kept normalised (`13800138000`);
//! - a **delivery address** (即时配送) carries the text the rider reads and a
//!   location *with its coordinate system* - what `wx.chooseLocation` and
//!   the `<map>` give is GCJ-02; nothing is guessed;
//! - a **postal address** (快递) carries province, city and district as
//!   `wx.chooseAddress` returns them (`provinceName` "广东省", `cityName`
//!   "广州市", `countyName` "海珠区") and the street detail; express fees
//!   match on the province.
//!
//! ```
//! use commerce_core::fulfilment::Contact;
//! let c = Contact { name: " 王女士 ".into(), phone: "+86 138-0013-8000".into() };
//! assert_eq!(c.checked().unwrap().phone, "13800138000");
//! let bad = Contact { name: "王".into(), phone: "12345".into() };
//! assert_eq!(commerce_core::error::Coded::code(&bad.checked().unwrap_err()), "INVALID_PHONE");
//! ```
//!
//! Invariant: a checked address has every required field non-empty and a
//! normalised phone; its location parses in its system.

use super::error::FulfilmentError;
use crate::lbs::contract::WirePoint;
use crate::lbs::{AnyLatLng, System};
use serde::{Deserialize, Serialize};

/// Who receives the order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Contact {
    pub name: String,
    pub phone: String,
}

impl Contact {
    /// The contact with its name trimmed and its phone normalised.
    pub fn checked(&self) -> Result<Contact, FulfilmentError> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 32 {
            return Err(FulfilmentError::InvalidAddress {
                field: "name",
                detail: "a name of 1 to 32 characters".into(),
            });
        }
        Ok(Contact {
            name: name.to_owned(),
            phone: normalised_phone(&self.phone)?,
        })
    }
}

fn normalised_phone(given: &str) -> Result<String, FulfilmentError> {
    let bad = || FulfilmentError::InvalidPhone {
        given: given.chars().take(32).collect(),
    };
    let compact: String = given.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    let digits = compact
        .strip_prefix("+86")
        .or_else(|| compact.strip_prefix("86").filter(|d| d.len() == 11))
        .unwrap_or(&compact);
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let mobile = digits.len() == 11
        && digits.starts_with('1')
        && matches!(digits.as_bytes()[1], b'3'..=b'9');
    let landline = (10..=12).contains(&digits.len()) && digits.starts_with('0');
    if mobile || landline {
        Ok(digits.to_owned())
    } else {
        Err(bad())
    }
}

fn checked_contact(name: &str, phone: &str) -> Result<Contact, FulfilmentError> {
    Contact {
        name: name.to_owned(),
        phone: phone.to_owned(),
    }
    .checked()
}

fn required(field: &'static str, value: &str) -> Result<String, FulfilmentError> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > 200 {
        Err(FulfilmentError::InvalidAddress {
            field,
            detail: "1 to 200 characters".into(),
        })
    } else {
        Ok(value.to_owned())
    }
}

/// An address a store's rider delivers to (即时配送).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct DeliveryAddress {
    /// Who receives it.
    pub name: String,
    pub phone: String,
    /// What the rider reads: street, building, door.
    pub text: String,
    /// Where it is, with its coordinate system (`gcj02` from
    /// `wx.chooseLocation`).
    pub location: WirePoint,
}

impl DeliveryAddress {
    /// The address checked, and its position.
    pub fn checked(&self) -> Result<(DeliveryAddress, AnyLatLng), FulfilmentError> {
        let system = System::parse(&self.location.coord)?;
        let point = AnyLatLng::new(system, self.location.lat, self.location.lng, || {
            "address location".into()
        })?;
        let contact = checked_contact(&self.name, &self.phone)?;
        Ok((
            DeliveryAddress {
                name: contact.name,
                phone: contact.phone,
                text: required("text", &self.text)?,
                location: self.location.clone(),
            },
            point,
        ))
    }
}

/// A postal address for parcel shipping (快递).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PostalAddress {
    /// Who receives it.
    pub name: String,
    pub phone: String,
    /// As `wx.chooseAddress` gives `provinceName`, e.g. "新疆维吾尔自治区".
    pub province: String,
    pub city: String,
    pub district: String,
    /// Street, building, door.
    pub detail: String,
}

impl PostalAddress {
    pub fn checked(&self) -> Result<PostalAddress, FulfilmentError> {
        let contact = checked_contact(&self.name, &self.phone)?;
        Ok(PostalAddress {
            name: contact.name,
            phone: contact.phone,
            province: required("province", &self.province)?,
            city: required("city", &self.city)?,
            district: required("district", &self.district)?,
            detail: required("detail", &self.detail)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones() {
        for (given, kept) in [
            ("13800138000", "13800138000"),
            ("+8613800138000", "13800138000"),
            ("86 19912345678", "19912345678"),
            ("021-62345678", "02162345678"),
            ("0755 8765 4321", "075587654321"),
        ] {
            assert_eq!(normalised_phone(given).unwrap(), kept, "{given}");
        }
        for bad in [
            "",
            "12800138000",
            "1380013800",
            "138001380001",
            "abc",
            "+1 415 555 0100",
            "99999999999",
        ] {
            assert!(normalised_phone(bad).is_err(), "{bad}");
        }
    }
}
