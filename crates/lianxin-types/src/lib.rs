//! Validated domain value types for lianxin (联心), the district-government
//! platform for epidemic checkpoints and enterprise services.
//!
//! Every type here can only be constructed through a validating constructor
//! (`parse`, `from_yuan_str`, `new_body`, …), so code holding one may rely on
//! its invariants. **Validate at the edge**: turn raw strings from forms,
//! imports and APIs into these types as soon as they enter the system, report
//! the [`ValidationError`] to the user (see [`ValidationError::message_zh`] /
//! [`ValidationError::message_en`]), and pass only the typed values inward.
//!
//! | Type | Meaning |
//! |------|---------|
//! | [`IdNumber`] | resident identity number, GB 11643-1999 (18 chars, MOD 11-2 check) |
//! | [`Uscc`] | unified social credit code, GB 32100-2015 (with embedded GB 11714 code) |
//! | [`Phone`] | Chinese mobile or landline number |
//! | [`Fen`] | money in integer fen (分) |
//! | [`DeciCelsius`] | body temperature in tenths of °C |
//! | [`UnitId`], [`PersonId`], [`EnterpriseId`], [`UserId`] | typed record ids |
//!
//! A wrong check character ([`ValidationError::CheckChar`]) is the only failure
//! an administrator may override (`parse_allow_bad_check`); because such
//! records exist, deserialising an [`IdNumber`] or [`Uscc`] tolerates a bad
//! check character, while `parse`/`FromStr`/`TryFrom` stay strict.
//!
//! The crate does no IO and knows nothing about the database.

mod error;
mod id_number;
mod ids;
mod money;
mod phone;
mod region;
mod temperature;
mod uscc;

pub use error::ValidationError;
pub use id_number::IdNumber;
pub use ids::{EnterpriseId, PersonId, UnitId, UserId};
pub use money::Fen;
pub use phone::Phone;
pub use region::PROVINCE_CODES;
pub use temperature::DeciCelsius;
pub use uscc::Uscc;
