//! Where each key of a policy file is written. The policy is read a second time as a
//! tree of located keys (serde-saphyr's `Spanned`), so a problem found after parsing
//! (an unknown metric, a duplicate rule name) points at the key it is about.

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;
use std::fmt;

/// A line and column, both from 1.
pub(super) type At = (u64, u64);

/// One step of a path into the policy: a mapping key or a list index.
#[derive(Debug, Clone, Copy)]
pub(super) enum Step<'a> {
    Key(&'a str),
    Item(usize),
}

/// The located keys of one policy text.
#[derive(Debug, Default)]
pub(super) struct Spans {
    root: Option<Node>,
}

impl Spans {
    /// Reads the locations of `text`; text that does not parse has none (its parse error
    /// carries its own location).
    pub(super) fn read(text: &str) -> Spans {
        Spans {
            root: serde_saphyr::from_str::<Node>(text).ok(),
        }
    }

    /// Where the last step of `path` is written: a key's own position, or a list item's
    /// first character. `None` when the path is not in the text.
    pub(super) fn find(&self, path: &[Step<'_>]) -> Option<At> {
        let mut node = self.root.as_ref()?;
        let mut at = None;
        for step in path {
            let (loc, next) = match (step, &node.kind) {
                (Step::Key(k), Kind::Map(entries)) => entries
                    .iter()
                    .find(|(key, _)| key.value.0 == *k)
                    .map(|(key, value)| (&key.referenced, &value.value))?,
                (Step::Item(i), Kind::Seq(items)) => {
                    items.get(*i).map(|item| (&item.referenced, &item.value))?
                }
                _ => return None,
            };
            at = Some((loc.line(), loc.column()));
            node = next;
        }
        at.filter(|(line, column)| *line > 0 && *column > 0)
    }
}

/// A YAML node with the locations of its keys and items.
#[derive(Debug, Default)]
struct Node {
    kind: Kind,
}

#[derive(Debug, Default)]
enum Kind {
    #[default]
    Scalar,
    Map(Vec<(Spanned<Key>, Spanned<Node>)>),
    Seq(Vec<Spanned<Node>>),
}

/// A mapping key as text (non-scalar keys are empty).
#[derive(Debug, Default, Clone, PartialEq, Eq, Hash)]
struct Key(String);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Key, E> {
                Ok(Key::default())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Key, A::Error> {
                while m.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Key::default())
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Key, A::Error> {
                while s.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Key::default())
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Node;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any YAML node")
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Node, E> {
                Ok(Node::default())
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Node, E> {
                Ok(Node::default())
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Node, E> {
                Ok(Node::default())
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Node, E> {
                Ok(Node::default())
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Node, E> {
                Ok(Node::default())
            }
            fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
                Ok(Node::default())
            }
            fn visit_none<E: de::Error>(self) -> Result<Node, E> {
                Ok(Node::default())
            }
            fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Node, D2::Error> {
                Node::deserialize(d)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Node, A::Error> {
                let mut entries = Vec::new();
                while let Some(k) = m.next_key::<Spanned<Key>>()? {
                    entries.push((k, m.next_value::<Spanned<Node>>()?));
                }
                Ok(Node {
                    kind: Kind::Map(entries),
                })
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Node, A::Error> {
                let mut items = Vec::new();
                while let Some(n) = s.next_element::<Spanned<Node>>()? {
                    items.push(n);
                }
                Ok(Node {
                    kind: Kind::Seq(items),
                })
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Step::{Item, Key};

    #[test]
    fn keys_and_items_are_located() {
        let s = Spans::read(
            "version: 1\nrules:\n  - metric: reverts\n    max: 1\n  - {name: a, metric: lead_time.p99, max: 3d}\n",
        );
        assert_eq!(s.find(&[Key("version")]), Some((1, 1)));
        assert_eq!(s.find(&[Key("rules"), Item(0), Key("max")]), Some((4, 5)));
        assert_eq!(s.find(&[Key("rules"), Item(1)]), Some((5, 5)));
        assert_eq!(
            s.find(&[Key("rules"), Item(1), Key("metric")]),
            Some((5, 15))
        );
        assert_eq!(s.find(&[Key("rules"), Item(2)]), None);
        assert_eq!(s.find(&[Key("rules"), Key("x")]), None);
        assert_eq!(s.find(&[Key("window")]), None);
        assert_eq!(Spans::read("a: [").find(&[Key("a")]), None);
    }
}
