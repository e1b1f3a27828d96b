//! The embedded mapping classifies each kind of event as SigmaHQ rules expect.

use vigil_event::{Event, Value};
use vigil_formats::{LogsourceKey, LogsourceMap};

fn event(fields: &[(&str, Value)]) -> Event {
    let mut e = Event::default();
    for (name, value) in fields {
        e.push(*name, value.clone());
    }
    e
}

fn windows(channel: &str, event_id: i64, more: &[(&str, Value)]) -> Event {
    let mut e = event(&[
        ("Channel", channel.into()),
        ("EventID", Value::Int(event_id)),
    ]);
    for (name, value) in more {
        e.push(*name, value.clone());
    }
    e
}

fn key(text: &str) -> LogsourceKey {
    let parts: Vec<Option<&str>> = text.split('/').map(|p| (p != "-").then_some(p)).collect();
    LogsourceKey::new(parts[0], parts[1], parts[2])
}

/// The categories (`product/category/-` keys) an event is in scope of.
fn categories(map: &LogsourceMap, e: &Event) -> Vec<String> {
    let class = map.class(map.classify(e));
    let mut found: Vec<String> = class
        .keys()
        .iter()
        .filter_map(|k| k.category.clone())
        .collect();
    found.sort();
    found
}

/// Extra text fields of a test event, or fields expected after renames.
type Fields = &'static [(&'static str, &'static str)];

const SYSMON: &str = "Microsoft-Windows-Sysmon/Operational";

#[test]
fn every_sysmon_event_id() {
    let map = LogsourceMap::embedded();
    let table: &[(i64, Fields, &[&str])] = &[
        (1, &[], &["process_creation"]),
        (2, &[], &["file_change"]),
        (3, &[], &["network_connection"]),
        (4, &[], &["sysmon_status"]),
        (5, &[], &["process_termination"]),
        (6, &[], &["driver_load"]),
        (7, &[], &["image_load"]),
        (8, &[], &["create_remote_thread"]),
        (9, &[], &["raw_access_read", "raw_access_thread"]),
        (10, &[], &["process_access"]),
        (11, &[], &["file_event"]),
        (
            12,
            &[("EventType", "CreateKey")],
            &["registry_add", "registry_event"],
        ),
        (
            12,
            &[("EventType", "DeleteKey")],
            &["registry_delete", "registry_event"],
        ),
        (
            12,
            &[("EventType", "DeleteValue")],
            &["registry_delete", "registry_event"],
        ),
        (
            13,
            &[("EventType", "SetValue")],
            &["registry_event", "registry_set"],
        ),
        (
            14,
            &[("EventType", "RenameKey")],
            &["registry_event", "registry_rename"],
        ),
        (15, &[], &["create_stream_hash"]),
        (16, &[], &["sysmon_status"]),
        (17, &[("EventType", "CreatePipe")], &["pipe_created"]),
        (18, &[("EventType", "ConnectPipe")], &["pipe_created"]),
        (19, &[], &["wmi_event"]),
        (20, &[], &["wmi_event"]),
        (21, &[], &["wmi_event"]),
        (22, &[], &["dns_query"]),
        (23, &[], &["file_delete"]),
        (24, &[], &["clipboard_capture", "clipboard_change"]),
        (25, &[], &["process_tampering"]),
        (26, &[], &["file_delete", "file_delete_detected"]),
        (27, &[], &["file_block", "file_block_executable"]),
        (28, &[], &["file_block", "file_block_shredding"]),
        (29, &[], &["file_executable_detected"]),
        (255, &[], &["sysmon_error"]),
    ];
    for (event_id, extra, expected) in table {
        let extra: Vec<(&str, Value)> = extra.iter().map(|(n, v)| (*n, Value::from(*v))).collect();
        let e = windows(SYSMON, *event_id, &extra);
        assert_eq!(
            categories(&map, &e),
            *expected,
            "Sysmon {event_id} {extra:?}"
        );
        let class = map.class(map.classify(&e));
        assert!(class.covers(&key("windows/-/sysmon")), "Sysmon {event_id}");
        assert!(class.covers(&key("windows/-/-")));
        for category in *expected {
            assert!(class.covers(&key(&format!("windows/{category}/-"))));
        }
    }
    // Event IDs as text (forwarded events, demo JSON) classify the same.
    let text_id = event(&[("Channel", SYSMON.into()), ("EventID", "1".into())]);
    assert_eq!(categories(&map, &text_id), ["process_creation"]);
}

#[test]
fn security_events_that_stand_in_for_sysmon_categories() {
    let map = LogsourceMap::embedded();
    let mut e = windows(
        "Security",
        4688,
        &[
            ("SubjectLogonId", "0x3e7".into()),
            ("NewProcessId", "0x1a2c".into()),
            ("NewProcessName", "C:\\Windows\\System32\\net.exe".into()),
            ("ProcessId", "0x3e8".into()),
            ("CommandLine", "net user admin /add".into()),
            ("ParentProcessName", "C:\\Windows\\System32\\cmd.exe".into()),
            ("UserID", "S-1-5-18".into()),
        ],
    );
    let class = map.apply_renames(&mut e);
    assert!(map.class(class).covers(&key("windows/process_creation/-")));
    assert!(map.class(class).covers(&key("windows/-/security")));
    assert_eq!(e.get_str("Image"), Some("C:\\Windows\\System32\\net.exe"));
    assert_eq!(
        e.get_str("ParentImage"),
        Some("C:\\Windows\\System32\\cmd.exe")
    );
    assert_eq!(e.get_str("ParentProcessId"), Some("0x3e8"));
    assert_eq!(
        e.get_str("ProcessId"),
        Some("0x3e8"),
        "an existing field is never replaced"
    );
    assert_eq!(e.get_str("LogonId"), Some("0x3e7"));
    assert_eq!(e.get_str("Security_UserID"), Some("S-1-5-18"));
    assert_eq!(
        e.get_str("NewProcessName"),
        Some("C:\\Windows\\System32\\net.exe"),
        "the source stays"
    );

    let cases: &[(i64, Fields, &[&str], Fields)] = &[
        (
            4689,
            &[("ProcessName", "C:\\a.exe")],
            &["process_termination"],
            &[("Image", "C:\\a.exe")],
        ),
        (
            4657,
            &[
                ("ObjectName", "\\REGISTRY\\MACHINE\\SOFTWARE\\X"),
                ("NewValue", "1"),
                ("ProcessName", "C:\\r.exe"),
            ],
            &["registry_event", "registry_set"],
            &[
                ("TargetObject", "\\REGISTRY\\MACHINE\\SOFTWARE\\X"),
                ("Details", "1"),
                ("Image", "C:\\r.exe"),
            ],
        ),
        (
            4663,
            &[
                ("ObjectType", "File"),
                ("ObjectName", "C:\\secret.txt"),
                ("ProcessName", "C:\\p.exe"),
            ],
            &["file_access"],
            &[
                ("TargetFilename", "C:\\secret.txt"),
                ("FileName", "C:\\secret.txt"),
                ("Image", "C:\\p.exe"),
            ],
        ),
        (
            4663,
            &[("ObjectType", "Key"), ("ObjectName", "\\REGISTRY\\X")],
            &[],
            &[],
        ),
        (
            5156,
            &[
                ("Application", "\\device\\harddiskvolume2\\x.exe"),
                ("DestAddress", "10.0.0.9"),
                ("DestPort", "445"),
            ],
            &["network_connection"],
            &[
                ("Image", "\\device\\harddiskvolume2\\x.exe"),
                ("DestinationIp", "10.0.0.9"),
                ("DestinationPort", "445"),
            ],
        ),
        (4624, &[("LogonType", "3")], &[], &[]),
    ];
    for (event_id, fields, expected, renamed) in cases {
        let fields: Vec<(&str, Value)> =
            fields.iter().map(|(n, v)| (*n, Value::from(*v))).collect();
        let mut e = windows("Security", *event_id, &fields);
        assert_eq!(categories(&map, &e), *expected, "Security {event_id}");
        map.apply_renames(&mut e);
        for (name, value) in *renamed {
            assert_eq!(e.get_str(name), Some(*value), "Security {event_id}: {name}");
        }
    }
}

#[test]
fn powershell_defender_and_services_by_channel() {
    let map = LogsourceMap::embedded();
    let cases: &[(&str, i64, &str)] = &[
        (
            "Microsoft-Windows-PowerShell/Operational",
            4103,
            "windows/ps_module/powershell",
        ),
        (
            "Microsoft-Windows-PowerShell/Operational",
            4104,
            "windows/ps_script/powershell",
        ),
        (
            "PowerShellCore/Operational",
            4104,
            "windows/ps_script/powershell",
        ),
        (
            "Windows PowerShell",
            400,
            "windows/ps_classic_start/powershell-classic",
        ),
        (
            "Windows PowerShell",
            600,
            "windows/ps_classic_provider_start/powershell-classic",
        ),
        (
            "Windows PowerShell",
            800,
            "windows/ps_classic_script/powershell-classic",
        ),
        (
            "Microsoft-Windows-Windows Defender/Operational",
            1116,
            "windows/antivirus/windefend",
        ),
        (
            "Microsoft-Windows-Windows Defender/Operational",
            5007,
            "windows/-/windefend",
        ),
        ("System", 7045, "windows/-/system"),
        ("Application", 1000, "windows/-/application"),
        (
            "Microsoft-Windows-TaskScheduler/Operational",
            106,
            "windows/-/taskscheduler",
        ),
        (
            "Microsoft-Windows-WMI-Activity/Operational",
            5861,
            "windows/-/wmi",
        ),
        (
            "Microsoft-Windows-Bits-Client/Operational",
            16403,
            "windows/-/bits-client",
        ),
        ("DNS Server", 6004, "windows/-/dns-server"),
        (
            "Microsoft-Windows-DNS-Client/Operational",
            3008,
            "windows/-/dns-client",
        ),
        (
            "Microsoft-Windows-Windows Firewall With Advanced Security/Firewall",
            2004,
            "windows/-/firewall-as",
        ),
        (
            "Microsoft-Windows-CodeIntegrity/Operational",
            3033,
            "windows/-/codeintegrity-operational",
        ),
        (
            "Microsoft-Windows-AppLocker/EXE and DLL",
            8004,
            "windows/-/applocker",
        ),
        ("Microsoft-Windows-NTLM/Operational", 8001, "windows/-/ntlm"),
        (
            "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational",
            21,
            "windows/-/terminalservices-localsessionmanager",
        ),
        (
            "Microsoft-Windows-PrintService/Admin",
            808,
            "windows/-/printservice-admin",
        ),
        (
            "Microsoft-Windows-SmbClient/Security",
            31017,
            "windows/-/smbclient-security",
        ),
        ("OpenSSH/Operational", 4, "windows/-/openssh"),
    ];
    for (channel, event_id, expected) in cases {
        let e = windows(channel, *event_id, &[]);
        let class = map.class(map.classify(&e));
        assert!(
            class.keys().contains(&key(expected)),
            "{channel} {event_id}: {:?}",
            class.keys()
        );
    }

    let mut detection = windows(
        "Microsoft-Windows-Windows Defender/Operational",
        1116,
        &[
            ("Threat Name", "HackTool:Win64/Mikatz!dha".into()),
            ("Path", "file:_C:\\t\\m.sys".into()),
        ],
    );
    map.apply_renames(&mut detection);
    assert_eq!(
        detection.get_str("Signature"),
        Some("HackTool:Win64/Mikatz!dha")
    );
    assert_eq!(
        detection.get_str("ThreatName"),
        Some("HackTool:Win64/Mikatz!dha")
    );
    assert_eq!(detection.get_str("Filename"), Some("file:_C:\\t\\m.sys"));
}

#[test]
fn unknown_windows_channels_still_get_the_product() {
    let map = LogsourceMap::embedded();
    let e = windows("Microsoft-Windows-Something-New/Operational", 1, &[]);
    assert_eq!(map.class(map.classify(&e)).keys(), [key("windows/-/-")]);
}

#[test]
fn linux_web_and_hints() {
    let map = LogsourceMap::embedded();
    let sysmon_linux = windows(
        "Linux-Sysmon/Operational",
        1,
        &[("Image", "/usr/bin/curl".into())],
    );
    let class = map.class(map.classify(&sysmon_linux));
    assert!(class.covers(&key("linux/process_creation/-")));
    assert!(
        !class.covers(&key("windows/-/-")),
        "Linux Sysmon is not Windows"
    );

    let auditd = event(&[("type", "EXECVE".into()), ("a0", "curl".into())]);
    assert!(map
        .class(map.classify(&auditd))
        .covers(&key("linux/-/auditd")));

    let sshd = event(&[
        ("program", "sshd".into()),
        ("message", "Failed password for root".into()),
    ]);
    let class = map.class(map.classify(&sshd));
    for wanted in [
        "linux/-/sshd",
        "linux/-/auth",
        "linux/-/syslog",
        "linux/-/-",
    ] {
        assert!(class.covers(&key(wanted)), "{wanted}: {:?}", class.keys());
    }
    let journald = event(&[
        ("SYSLOG_IDENTIFIER", "sudo".into()),
        ("MESSAGE", "x".into()),
    ]);
    assert!(map
        .class(map.classify(&journald))
        .covers(&key("linux/-/sudo")));

    let access = event(&[
        ("c-ip", "203.0.113.7".into()),
        ("cs-method", "GET".into()),
        ("cs-uri-stem", "/".into()),
        ("sc-status", Value::Int(200)),
    ]);
    let class = map.class(map.classify(&access));
    assert!(class.covers(&key("-/webserver/-")));
    assert!(!class.covers(&key("-/proxy/-")));
    let proxy = event(&[
        ("c-uri", "http://x.test/a".into()),
        ("cs-method", "GET".into()),
        ("sc-status", Value::Int(200)),
    ]);
    let class = map.class(map.classify(&proxy));
    assert!(class.covers(&key("-/proxy/-")) && !class.covers(&key("-/webserver/-")));

    let demo_sshd = event(&[
        ("logsource.product", "linux".into()),
        ("logsource.service", "auth".into()),
        ("program", "sshd".into()),
    ]);
    let class = map.class(map.classify(&demo_sshd));
    assert_eq!(class.keys()[0], key("linux/-/auth"));
    assert!(
        class.covers(&key("linux/-/sshd")),
        "agreeing mapping keys are kept: {:?}",
        class.keys()
    );

    let hinted = event(&[
        ("logsource.product", "linux".into()),
        ("logsource.category", "process_creation".into()),
        ("Channel", "Security".into()),
    ]);
    assert_eq!(
        map.class(map.classify(&hinted)).keys(),
        [key("linux/process_creation/-")]
    );
}
