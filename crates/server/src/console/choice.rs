//! [`Choice`]: one of a fixed set of options a page offers as a query-string value (a
//! time window, a silence period), with its name in the message catalogue and what it
//! sets; tables of them drive both the page's links or `<select>` and the parsing.

use super::i18n::Msg;

/// An option: its query-string value, its name, and what choosing it sets.
#[derive(Debug)]
pub(super) struct Choice<T: 'static> {
    pub value: &'static str,
    pub name: Msg,
    pub sets: T,
}

/// The choice whose value is `value` in `choices`, if any; `""` is `default`.
pub(super) fn choose<'c, T>(
    choices: &'c [Choice<T>],
    value: &str,
    default: &'c Choice<T>,
) -> Option<&'c Choice<T>> {
    if value.is_empty() {
        return Some(default);
    }
    choices.iter().find(|c| c.value == value)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIZES: [Choice<u8>; 2] = [
        Choice {
            value: "s",
            name: Msg::Any,
            sets: 1,
        },
        Choice {
            value: "l",
            name: Msg::Any,
            sets: 3,
        },
    ];

    #[test]
    fn values_pick_their_choice_and_empty_is_the_default() {
        assert_eq!(choose(&SIZES, "l", &SIZES[0]).unwrap().sets, 3);
        assert_eq!(choose(&SIZES, "", &SIZES[1]).unwrap().sets, 3);
        assert!(choose(&SIZES, "xl", &SIZES[0]).is_none());
    }
}
