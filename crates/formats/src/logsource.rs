//! Classifies events into Sigma logsources and adds the field aliases rules expect.
//!
//! [`LogsourceMap::classify`] turns an event into a [`ClassId`]: a small integer standing
//! for the set of logsource keys the event belongs to plus the renames those logsources
//! bring ([`LogsourceClass`]). Events that agree on every field the mapping looks at
//! (`Channel`, `EventID`, `EventType`, …, and the `logsource.*` hint fields) share a
//! class, so after the first such event classification is one hash lookup.
//!
//! Threads: a `LogsourceMap` is `Sync`; share one (by reference or `Arc`) between all
//! workers. The memo of seen field values sits behind an `RwLock` that is written only
//! the first time a combination is seen. Classes live in write-once slots, so
//! [`LogsourceMap::class`] takes no lock.
//!
//! An event that carries `logsource.product`, `logsource.category` or
//! `logsource.service` (as the demo generator writes for Linux and web events) belongs to
//! that logsource first. Of the keys the mapping gives it, only those with the same
//! product (or, for a hint without one, those without one) are kept: a hinted
//! `linux/-/auth` sshd line is also `linux/-/sshd`, but a hinted Linux event is never
//! Windows. The mapping's renames still apply.

use crate::mapping::{Entry, LogsourceKey, Mapping, MappingError};
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, OnceLock, RwLock};
use vigil_event::{Event, Value};

/// The mapping shipped with Vigil.
pub const EMBEDDED_MAPPING: &str = include_str!("../mappings/logsources.yml");

/// The fields that name an event's logsource outright.
pub const HINT_FIELDS: [&str; 3] = [
    "logsource.product",
    "logsource.category",
    "logsource.service",
];

/// Distinct classes one map hands out; `logsource.*` hints may create half of them, and
/// are ignored past that.
const MAX_CLASSES: usize = 1024;
/// Distinct field-value combinations remembered; past this, classification still works
/// but evaluates the mapping for each event.
const MAX_MEMO: usize = 100_000;

/// A class of events: index into [`LogsourceMap::class`]. `ClassId(0)` is the class of
/// events no logsource claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClassId(u32);

impl ClassId {
    /// Events no logsource claims.
    pub const UNCLASSIFIED: ClassId = ClassId(0);

    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// The logsources a class of events belongs to and the renames they need.
#[derive(Debug, Clone, PartialEq)]
pub struct LogsourceClass {
    id: ClassId,
    keys: Vec<LogsourceKey>,
    renames: Vec<(String, String)>,
}

impl LogsourceClass {
    pub fn id(&self) -> ClassId {
        self.id
    }

    /// The logsource keys, in the order of the mapping file.
    pub fn keys(&self) -> &[LogsourceKey] {
        &self.keys
    }

    /// `(source field, Sigma field)` pairs, applied in order.
    pub fn renames(&self) -> &[(String, String)] {
        &self.renames
    }

    /// Whether a rule with logsource `rule` applies to events of this class.
    pub fn covers(&self, rule: &LogsourceKey) -> bool {
        self.keys.iter().any(|key| key.covers(rule))
    }

    /// Adds each Sigma-named field next to its source (e.g. `Image` from
    /// `NewProcessName`). A field the event already has is never replaced.
    pub fn apply_renames(&self, event: &mut Event) {
        for (from, to) in &self.renames {
            if event.contains(to) {
                continue;
            }
            if let Some(value) = event.get(from) {
                let value = value.clone();
                event.push(to.as_str(), value);
            }
        }
    }
}

/// Which Sigma logsources events belong to. See the module docs.
pub struct LogsourceMap {
    entries: Vec<Entry>,
    /// Fields whose values decide the class, then fields whose presence does.
    fields: FieldSet,
    value_field_count: usize,
    memo: RwLock<HashMap<Box<[u8]>, ClassId>>,
    slots: Box<[OnceLock<LogsourceClass>]>,
    interned: Mutex<HashMap<ClassContent, ClassId>>,
}

/// A set of field names, found in an event in one pass over its fields.
struct FieldSet {
    names: Vec<String>,
    /// Bit `len` (63 for longer names) is set for each name, and bit `bucket(name)` of
    /// `filter`: most event fields are ruled out by these without a string comparison.
    lengths: u64,
    filter: [u64; 4],
}

impl FieldSet {
    fn new(names: Vec<String>) -> FieldSet {
        let mut filter = [0u64; 4];
        let mut lengths = 0u64;
        for name in &names {
            let bit = Self::bucket(name);
            filter[bit >> 6] |= 1 << (bit & 63);
            lengths |= 1 << name.len().min(63);
        }
        FieldSet {
            names,
            lengths,
            filter,
        }
    }

    fn bucket(name: &str) -> usize {
        let bytes = name.as_bytes();
        let first = bytes.first().copied().unwrap_or(0) as usize;
        let last = bytes.last().copied().unwrap_or(0) as usize;
        (bytes.len().wrapping_mul(31) ^ first.wrapping_mul(7) ^ last) & 255
    }

    fn position(&self, name: &str) -> Option<usize> {
        let length_bit = 1u64 << name.len().min(63);
        if self.lengths & length_bit == 0 {
            return None;
        }
        let bit = Self::bucket(name);
        if self.filter[bit >> 6] & (1 << (bit & 63)) == 0 {
            return None;
        }
        self.names.iter().position(|n| n == name)
    }

    /// Puts the first value of each name in `event` into `found`, in the order of `names`.
    fn find_in<'e>(&self, event: &'e Event, found: &mut [Option<&'e Value>]) {
        for (name, value) in event.fields() {
            if let Some(slot) = self.position(name).and_then(|i| found.get_mut(i)) {
                slot.get_or_insert(value);
            }
        }
    }
}

/// What makes two classes the same: their keys and renames.
type ClassContent = (Vec<LogsourceKey>, Vec<(String, String)>);

impl fmt::Debug for LogsourceMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogsourceMap")
            .field("entries", &self.entries.len())
            .field("fields", &self.fields.names)
            .field("classes", &self.class_count())
            .finish()
    }
}

impl LogsourceMap {
    /// The mapping shipped with Vigil (`mappings/logsources.yml`).
    pub fn embedded() -> LogsourceMap {
        match Self::from_yaml(EMBEDDED_MAPPING) {
            Ok(map) => map,
            // A unit test parses the embedded file, so this can't be reached in a release.
            Err(err) => panic!("the embedded logsource mapping is invalid: {err}"),
        }
    }

    /// A mapping from YAML text in the format described in [`crate::mapping`].
    pub fn from_yaml(text: &str) -> Result<LogsourceMap, MappingError> {
        Ok(Self::new(Mapping::from_yaml(text)?))
    }

    fn new(mapping: Mapping) -> LogsourceMap {
        let mut value_fields: Vec<String> = HINT_FIELDS.iter().map(|f| f.to_string()).collect();
        let mut presence_fields: Vec<String> = Vec::new();
        for selector in mapping.entries.iter().flat_map(|e| &e.when) {
            selector.visit_fields(&mut |field, by_value| {
                let list = if by_value {
                    &mut value_fields
                } else {
                    &mut presence_fields
                };
                if !list.iter().any(|f| f == field) {
                    list.push(field.to_owned());
                }
            });
        }
        presence_fields.retain(|f| !value_fields.contains(f));
        let value_count = value_fields.len();
        value_fields.extend(presence_fields);
        let map = LogsourceMap {
            entries: mapping.entries,
            fields: FieldSet::new(value_fields),
            value_field_count: value_count,
            memo: RwLock::new(HashMap::new()),
            slots: (0..MAX_CLASSES).map(|_| OnceLock::new()).collect(),
            interned: Mutex::new(HashMap::new()),
        };
        map.intern(Vec::new(), Vec::new(), MAX_CLASSES);
        map
    }

    /// Every logsource key the mapping can give an event (hints aside), in file order.
    pub fn logsources(&self) -> impl Iterator<Item = &LogsourceKey> {
        self.entries.iter().map(|e| &e.key)
    }

    /// The class of `event`.
    pub fn classify(&self, event: &Event) -> ClassId {
        thread_local! {
            static MEMO_KEY: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
        }
        MEMO_KEY.with(|key| {
            let Ok(mut key) = key.try_borrow_mut() else {
                return self.evaluate(event);
            };
            self.memo_key(event, &mut key);
            let memo = self.memo.read().unwrap_or_else(|e| e.into_inner());
            if let Some(id) = memo.get(key.as_slice()) {
                return *id;
            }
            drop(memo);
            let id = self.evaluate(event);
            let mut memo = self.memo.write().unwrap_or_else(|e| e.into_inner());
            if memo.len() < MAX_MEMO {
                memo.insert(key.as_slice().into(), id);
            }
            id
        })
    }

    /// Classifies `event`, adds its renames, and returns its class.
    pub fn apply_renames(&self, event: &mut Event) -> ClassId {
        let id = self.classify(event);
        self.class(id).apply_renames(event);
        id
    }

    /// The class behind an id this map handed out (the unclassified class for others).
    pub fn class(&self, id: ClassId) -> &LogsourceClass {
        match self.slots.get(id.index()).and_then(OnceLock::get) {
            Some(class) => class,
            None => self.unclassified(),
        }
    }

    /// How many classes have been handed out so far (including the unclassified one).
    pub fn class_count(&self) -> usize {
        self.interned
            .lock()
            .map(|t| t.len())
            .unwrap_or_else(|e| e.into_inner().len())
    }

    fn unclassified(&self) -> &LogsourceClass {
        // Slot 0 is filled in `new`; the fallback only satisfies the type checker.
        static EMPTY: LogsourceClass = LogsourceClass {
            id: ClassId::UNCLASSIFIED,
            keys: Vec::new(),
            renames: Vec::new(),
        };
        self.slots[0].get().unwrap_or(&EMPTY)
    }

    /// The values (or presence) of every field the mapping reads, as one byte string.
    fn memo_key(&self, event: &Event, key: &mut Vec<u8>) {
        let mut on_stack = [None; 32];
        let mut on_heap = Vec::new();
        let found: &mut [Option<&Value>] = match on_stack.get_mut(..self.fields.names.len()) {
            Some(slots) => slots,
            None => {
                on_heap.resize(self.fields.names.len(), None);
                &mut on_heap
            }
        };
        self.fields.find_in(event, found);
        key.clear();
        let text = |tag: u8, bytes: &[u8], key: &mut Vec<u8>| {
            key.push(tag);
            key.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
            key.extend_from_slice(bytes);
        };
        for value in &found[..self.value_field_count] {
            match value {
                None => key.push(0),
                Some(Value::Str(s)) => text(1, s.as_bytes(), key),
                Some(Value::Int(i)) => {
                    key.push(2);
                    key.extend_from_slice(&i.to_le_bytes());
                }
                Some(other) => text(3, format!("{other:?}").as_bytes(), key),
            }
        }
        key.extend(
            found[self.value_field_count..]
                .iter()
                .map(|v| 4 + u8::from(v.is_some())),
        );
    }

    /// Runs the mapping over `event` and interns the result.
    fn evaluate(&self, event: &Event) -> ClassId {
        let matched: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|entry| entry.when.iter().any(|s| s.matches(event)))
            .collect();
        let mut renames: Vec<(String, String)> = Vec::new();
        for pair in matched.iter().flat_map(|e| &e.renames) {
            if !renames.contains(pair) {
                renames.push(pair.clone());
            }
        }
        let mut keys: Vec<LogsourceKey> = Vec::new();
        for entry in &matched {
            if !keys.contains(&entry.key) {
                keys.push(entry.key.clone());
            }
        }
        if let Some(hint) = hint_key(event) {
            // The hint comes first; mapping keys stay only where they agree on the product.
            let mut hinted = vec![hint];
            for key in &keys {
                if key.product == hinted[0].product && !hinted.contains(key) {
                    hinted.push(key.clone());
                }
            }
            // Hints are event text: they may fill only half the table, so classes from the
            // mapping always find room.
            if let Some(id) = self.intern(hinted, renames.clone(), MAX_CLASSES / 2) {
                return id;
            }
        }
        self.intern(keys, renames, MAX_CLASSES)
            .unwrap_or(ClassId::UNCLASSIFIED)
    }

    /// The id of this class, creating it if fewer than `limit` classes exist.
    fn intern(
        &self,
        keys: Vec<LogsourceKey>,
        renames: Vec<(String, String)>,
        limit: usize,
    ) -> Option<ClassId> {
        let mut table = self.interned.lock().unwrap_or_else(|e| e.into_inner());
        let lookup = (keys, renames);
        if let Some(id) = table.get(&lookup) {
            return Some(*id);
        }
        let index = table.len();
        if index >= limit {
            return None;
        }
        let slot = self.slots.get(index)?;
        let id = ClassId(index as u32);
        let (keys, renames) = lookup;
        slot.set(LogsourceClass {
            id,
            keys: keys.clone(),
            renames: renames.clone(),
        })
        .ok()?;
        table.insert((keys, renames), id);
        Some(id)
    }
}

/// The logsource an event names in its `logsource.*` fields.
fn hint_key(event: &Event) -> Option<LogsourceKey> {
    let [product, category, service] = HINT_FIELDS.map(|f| event.get_str(f));
    let key = LogsourceKey::new(product, category, service);
    (key != LogsourceKey::default()).then_some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(fields: &[(&str, Value)]) -> Event {
        let mut e = Event::default();
        for (n, v) in fields {
            e.push(*n, v.clone());
        }
        e
    }

    fn key(s: &str) -> LogsourceKey {
        let parts: Vec<Option<&str>> = s.split('/').map(|p| (p != "-").then_some(p)).collect();
        LogsourceKey::new(parts[0], parts[1], parts[2])
    }

    const SMALL: &str = r#"
logsources:
  - logsource: {product: windows, category: process_creation, service: security}
    when: {Channel: Security, EventID: 4688}
    rename: {NewProcessName: Image, ParentProcessName: ParentImage}
  - logsource: {product: windows, service: security}
    when: {Channel: Security}
  - logsource: {product: windows}
    when: {exists: Channel, not: {Channel: Linux-Sysmon/Operational}}
"#;

    fn small() -> LogsourceMap {
        LogsourceMap::from_yaml(SMALL).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn embedded_mapping_parses() {
        let map = LogsourceMap::embedded();
        assert!(map.logsources().count() > 100);
    }

    #[test]
    fn classes_carry_keys_and_renames() {
        let map = small();
        let mut e = event(&[
            ("Channel", "Security".into()),
            ("EventID", Value::Int(4688)),
            ("NewProcessName", "C:\\x.exe".into()),
            ("ParentImage", "kept".into()),
            ("ParentProcessName", "C:\\p.exe".into()),
        ]);
        let id = map.apply_renames(&mut e);
        let class = map.class(id);
        assert_eq!(
            class.keys(),
            [
                key("windows/process_creation/security"),
                key("windows/-/security"),
                key("windows/-/-")
            ]
        );
        assert_eq!(e.get_str("Image"), Some("C:\\x.exe"));
        assert_eq!(e.get_str("NewProcessName"), Some("C:\\x.exe"));
        assert_eq!(
            e.get_str("ParentImage"),
            Some("kept"),
            "existing fields are never replaced"
        );
        assert!(class.covers(&key("windows/process_creation/-")));
        assert!(class.covers(&key("-/-/security")));
        assert!(!class.covers(&key("windows/-/sysmon")));
    }

    #[test]
    fn same_fields_same_class_and_memo_hits() {
        let map = small();
        let a = map.classify(&event(&[
            ("Channel", "Security".into()),
            ("EventID", Value::Int(4624)),
            ("X", "1".into()),
        ]));
        let b = map.classify(&event(&[
            ("Channel", "Security".into()),
            ("EventID", Value::Int(4624)),
            ("X", "2".into()),
        ]));
        let c = map.classify(&event(&[
            ("Channel", "SECURITY".into()),
            ("EventID", Value::Int(4625)),
        ]));
        assert_eq!(a, b);
        assert_eq!(a, c, "different memo keys, same class");
        assert_eq!(map.memo.read().map(|m| m.len()).unwrap_or(0), 2);
        assert_eq!(
            map.class(a).keys(),
            [key("windows/-/security"), key("windows/-/-")]
        );
    }

    #[test]
    fn product_fallback_and_unclassified() {
        let map = small();
        let other = map.classify(&event(&[(
            "Channel",
            "Microsoft-Windows-Whatever/Operational".into(),
        )]));
        assert_eq!(map.class(other).keys(), [key("windows/-/-")]);
        let linux = map.classify(&event(&[("Channel", "Linux-Sysmon/Operational".into())]));
        assert_eq!(linux, ClassId::UNCLASSIFIED);
        assert!(map.class(linux).keys().is_empty());
        assert_eq!(map.classify(&Event::default()), ClassId::UNCLASSIFIED);
        assert_eq!(map.class(ClassId(999)).id(), ClassId::UNCLASSIFIED);
    }

    #[test]
    fn hints_take_precedence() {
        let map = small();
        let e = event(&[
            ("Channel", "Security".into()),
            ("logsource.product", "Linux".into()),
            ("logsource.service", "auth".into()),
        ]);
        let class = map.class(map.classify(&e));
        assert_eq!(
            class.keys(),
            [key("linux/-/auth")],
            "mapping keys of another product are dropped"
        );
        let web = event(&[("logsource.category", "webserver".into())]);
        assert_eq!(map.class(map.classify(&web)).keys(), [key("-/webserver/-")]);
    }

    #[test]
    fn too_many_hinted_classes_fall_back_to_the_mapping() {
        let map = small();
        for i in 0..MAX_CLASSES {
            let e = event(&[
                ("Channel", "Security".into()),
                ("logsource.product", format!("p{i}").into()),
            ]);
            let class = map.class(map.classify(&e));
            if i >= MAX_CLASSES / 2 {
                assert_eq!(
                    class.keys(),
                    [key("windows/-/security"), key("windows/-/-")]
                );
            }
        }
        assert!(map.class_count() <= MAX_CLASSES / 2 + 1);
        let sysmon = map.classify(&event(&[("Channel", "Sysmon".into())]));
        assert_eq!(
            map.class(sysmon).keys(),
            [key("windows/-/-")],
            "the mapping still gets new classes"
        );
    }

    #[test]
    fn shared_between_threads() {
        fn assert_sync<T: Send + Sync>() {}
        assert_sync::<LogsourceMap>();
        let map = small();
        let ids: Vec<ClassId> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|_| {
                    s.spawn(|| {
                        map.classify(&event(&[
                            ("Channel", "Security".into()),
                            ("EventID", Value::Int(4688)),
                        ]))
                    })
                })
                .collect();
            handles.into_iter().filter_map(|h| h.join().ok()).collect()
        });
        assert_eq!(ids.len(), 4);
        assert!(ids.windows(2).all(|w| w[0] == w[1]));
    }
}
