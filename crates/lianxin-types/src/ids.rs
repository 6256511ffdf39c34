//! Typed database record ids, so a `PersonId` cannot be passed where a
//! `UnitId` is expected.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ValidationError;

macro_rules! record_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        ///
        /// Serialises as the bare integer; `Display`/`FromStr` use the decimal form.
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl FromStr for $name {
            type Err = ValidationError;
            /// Decimal integer (trimmed); anything else → `Format`.
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.trim()
                    .parse::<i64>()
                    .map($name)
                    .map_err(|_| ValidationError::Format)
            }
        }

        impl From<i64> for $name {
            fn from(v: i64) -> Self {
                $name(v)
            }
        }

        impl From<$name> for i64 {
            fn from(v: $name) -> Self {
                v.0
            }
        }
    };
}

record_id!(
    /// Id of a unit (checkpoint, community, department …).
    UnitId
);
record_id!(
    /// Id of a person record.
    PersonId
);
record_id!(
    /// Id of an enterprise record.
    EnterpriseId
);
record_id!(
    /// Id of a user account.
    UserId
);

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::IntoDeserializer;
    use serde::de::value::{Error as DeError, I64Deserializer};

    #[test]
    fn ids() {
        assert_eq!(UnitId(42).to_string(), "42");
        assert_eq!(format!("{:>4}", PersonId(7)), "   7");
        assert_eq!(" 17 ".parse::<EnterpriseId>(), Ok(EnterpriseId(17)));
        assert_eq!("x".parse::<UserId>(), Err(ValidationError::Format));
        assert_eq!("".parse::<UserId>(), Err(ValidationError::Format));
        assert!(UnitId(1) < UnitId(2));
        assert_eq!(i64::from(UserId(5)), 5);
        assert_eq!(UserId::from(5), UserId(5));
        let de: I64Deserializer<DeError> = 99i64.into_deserializer();
        assert_eq!(PersonId::deserialize(de), Ok(PersonId(99)));
    }
}
