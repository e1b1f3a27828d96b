//! Flattens the JSON text the `evtx` crate renders for a record straight into an
//! [`Event`], without first building a `serde_json::Value` of the whole record. This is
//! the EVTX reader's hot path; parsing into a `Value` cost more than rendering the JSON.
//!
//! Only the small parts of `System` and the individual event data values are built as
//! `Value`s. The result is what [`crate::windows::from_evtx_json`] gives for the parsed
//! document; the regression-twin test holds the two paths to that.

use crate::windows::{
    read_event_data, read_event_data_entry, read_leaves, rendered_message, SystemFields,
};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value as Json;
use std::borrow::Cow;
use std::fmt;
use vigil_event::{Event, Value};

/// Flattens one rendered record (`{"Event": {"System": …, "EventData": …}}`).
pub fn from_evtx_json_bytes(bytes: &[u8]) -> Result<Event, serde_json::Error> {
    let mut record = Record::default();
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    RootSeed(&mut record).deserialize(&mut deserializer)?;
    deserializer.end()?;
    if !record.has_system {
        return Err(de::Error::custom("the record has no Event.System"));
    }
    Ok(record.system.into_event(record.data, record.message))
}

#[derive(Default)]
struct Record {
    system: SystemFields,
    has_system: bool,
    data: Vec<(String, Value)>,
    message: Option<String>,
}

/// An object key, borrowed from the input when it has no escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// Implements `DeserializeSeed` for a seed that reads an object with `visit_map`.
macro_rules! map_seed {
    ($seed:ident, $expecting:literal) => {
        impl<'de> DeserializeSeed<'de> for $seed<'_> {
            type Value = ();
            fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
                deserializer.deserialize_map(self)
            }
        }
        impl $seed<'_> {
            fn describe(f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str($expecting)
            }
        }
    };
}

/// The document: only its `Event` member matters.
struct RootSeed<'a>(&'a mut Record);
map_seed!(RootSeed, "an EVTX record object");

impl<'de> Visitor<'de> for RootSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Self::describe(f)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let record = self.0;
        while let Some(Key(key)) = map.next_key()? {
            if key == "Event" {
                map.next_value_seed(EventSeed(&mut *record))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// `Event`: its sections.
struct EventSeed<'a>(&'a mut Record);
map_seed!(EventSeed, "the Event object");

impl<'de> Visitor<'de> for EventSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Self::describe(f)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let record = self.0;
        while let Some(Key(key)) = map.next_key()? {
            match key.as_ref() {
                "System" => map.next_value_seed(SystemSeed(&mut *record))?,
                "EventData" => map.next_value_seed(EventDataSeed(&mut record.data))?,
                "RenderingInfo" => record.message = rendered_message(map.next_value()?),
                "#attributes" => {
                    map.next_value::<IgnoredAny>()?;
                }
                _ => read_leaves(map.next_value()?, &mut record.data),
            }
        }
        Ok(())
    }
}

/// `Event.System`, one child at a time.
struct SystemSeed<'a>(&'a mut Record);
map_seed!(SystemSeed, "the System object");

impl<'de> Visitor<'de> for SystemSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Self::describe(f)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let record = self.0;
        record.has_system = true;
        while let Some(Key(key)) = map.next_key()? {
            let value: Json = map.next_value()?;
            record.system.read_entry(&key, value);
        }
        Ok(())
    }
}

/// `Event.EventData`: usually an object of named values, sometimes null or bare data.
struct EventDataSeed<'a>(&'a mut Vec<(String, Value)>);

impl<'de> DeserializeSeed<'de> for EventDataSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl EventDataSeed<'_> {
    fn other(self, json: Json) {
        read_event_data(json, self.0);
    }
}

impl<'de> Visitor<'de> for EventDataSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the EventData object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(name) = map.next_key::<String>()? {
            let value: Json = map.next_value()?;
            read_event_data_entry(name, value, self.0);
        }
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.other(Json::Bool(v));
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.other(Json::from(v));
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.other(Json::from(v));
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        self.other(Json::from(v));
        Ok(())
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.other(Json::String(v.to_owned()));
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Json>()? {
            items.push(item);
        }
        self.other(Json::Array(items));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::windows::from_evtx_json;
    use serde_json::json;

    fn both(document: Json) -> (Event, Event) {
        let text = document.to_string();
        let streamed = from_evtx_json_bytes(text.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        let built = from_evtx_json(document).unwrap_or_else(|j| panic!("not evtx layout: {j}"));
        (streamed, built)
    }

    #[test]
    fn streaming_matches_the_value_path() {
        let system = json!({
            "Provider": {"#attributes": {"Name": "P", "Guid": "{1}", "EventSourceName": "S"}},
            "EventID": {"#attributes": {"Qualifiers": 16384}, "#text": 7036}, "Version": 4,
            "TimeCreated": {"#attributes": {"SystemTime": "2024-03-01T08:15:30.1234567Z"}},
            "Correlation": {"#attributes": {"ActivityID": "{A}"}},
            "Execution": {"#attributes": {"ProcessID": 4, "ThreadID": 8}},
            "Channel": "System", "Computer": "c\\u00e9", "Security": null
        });
        let documents = [
            json!({"Event": {"#attributes": {"xmlns": "x"}, "System": system.clone(),
                "EventData": {"#attributes": {"Name": "T"}, "Version": "2", "A": null, "B": [1, "x"],
                              "C": {"#text": "t"}, "D": {"#attributes": {"n": 1}}, "Data": {"#text": ["a", "b"]},
                              "Binary": "00ff", "Esc\\u0041ped": "k"}}}),
            json!({"Event": {"System": system.clone(), "EventData": null}}),
            json!({"Event": {"System": system.clone(), "EventData": "bare"}}),
            json!({"Event": {"System": system.clone(), "EventData": ["x", 2]}}),
            json!({"Event": {"System": system.clone(), "EventData": 5}}),
            json!({"Event": {"System": system.clone(), "UserData": {"Op": {"#attributes": {"xmlns": "y"}, "User": "u", "Deep": {"Leaf": 1}}},
                             "RenderingInfo": {"Message": "m"}}}),
            json!({"other": [1, {"x": 2}], "Event": {"System": system}}),
        ];
        for document in documents {
            let shown = document.to_string();
            let (streamed, built) = both(document);
            assert_eq!(streamed, built, "{shown}");
            assert!(streamed.timestamp.is_some());
        }
    }

    #[test]
    fn documents_without_system_or_broken_are_errors() {
        assert!(from_evtx_json_bytes(br#"{"Event": {"EventData": {}}}"#).is_err());
        assert!(from_evtx_json_bytes(br#"{"Event": {"System": "x"}}"#).is_err());
        assert!(from_evtx_json_bytes(br#"{"Event": {"System": {}}"#).is_err());
        assert!(from_evtx_json_bytes(br#"[1]"#).is_err());
        assert!(from_evtx_json_bytes(br#"{"Event": {"System": {}}} trailing"#).is_err());
        assert!(from_evtx_json_bytes(br#"{"Event": {"System": {"EventID": 1}}}"#).is_ok());
    }
}
