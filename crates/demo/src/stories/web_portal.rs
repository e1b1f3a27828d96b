//! Scanning, path traversal and SQL injection against the portal, then an .aspx web shell.

use rand::Rng;

use super::{Scene, Story};
use crate::province::{Host, PORTAL_SITE};
use crate::web::Request;

pub(super) const STORY: Story = Story {
    id: "web-portal-attack",
    title_vi: "Tấn công Cổng dịch vụ công và cài webshell",
    title_en: "Attack on the online public services portal and a web shell",
    summary_vi: "Một địa chỉ lạ quét Cổng dịch vụ công bằng Nikto, thử path traversal và SQL injection bằng sqlmap, sau đó lợi dụng chức năng đính kèm hồ sơ để tải lên webshell .aspx và chạy lệnh hệ thống qua tiến trình IIS (w3wp.exe).",
    summary_en: "An unknown address scans the online public services portal with Nikto, tries path traversal and SQL injection with sqlmap, then abuses the application attachment upload to plant an .aspx web shell and runs system commands through the IIS worker (w3wp.exe).",
    techniques: &["T1595.002", "T1190", "T1505.003", "T1059.003", "T1033", "T1016", "T1087.001"],
    rule_ids: &[
        "7745c2ea-24a5-4290-b680-04359cb84b35", // Path Traversal Exploitation Attempts
        "953d460b-f810-420a-97a2-cfca4c98e602", // Source Code Enumeration Detection by Keyword
        "5513deaf-f49a-46c2-a6c8-3f111b5cb453", // SQL Injection Strings In URI
        "19aa4f58-94ca-45ff-bc34-92e533c0994a", // Suspicious User-Agents Related To Recon Tools
        "7ff9db12-1b94-4a79-ba68-a2402c5d6729", // Windows Webshell Strings
        "39f1f9f2-9636-45de-98f6-a4046aa8e4b9", // Potential Webshell Creation On Static Website
        "502b42de-4306-40b4-9596-6f590c81f073", // Local Accounts Discovery
        "a29c1813-ab1f-4dde-b489-330b952e91ae", // Suspicious Network Command
        "8202070f-edeb-4d31-a010-a26c72ac5600", // Suspicious Process By Web Server Process
    ],
    agency_slot: 0,
    starts_around: (14, 40),
    play,
};

/// Paths Nikto asks for, with what the portal answers.
const SCAN_PATHS: &[(&str, u16)] = &[
    ("/", 200),
    ("/robots.txt", 200),
    ("/admin/", 404),
    ("/administrator/", 404),
    ("/phpmyadmin/", 404),
    ("/.git/config", 404),
    ("/.env", 404),
    ("/web.config", 404),
    ("/web.config.bak", 404),
    ("/backup.zip", 404),
    ("/dichvucong.zip", 404),
    ("/db.sql", 404),
    ("/wp-login.php", 404),
    ("/server-status", 404),
    ("/elmah.axd", 404),
    ("/trace.axd", 404),
    ("/test.aspx", 404),
    ("/uploads/", 403),
    ("/App_Data/", 404),
    ("/bin/", 404),
    ("/iisstart.htm", 404),
    ("/aspnet_client/", 403),
    ("/cgi-bin/test.cgi", 404),
    ("/login.aspx", 404),
];

/// Files asked of the document download handler with `../` sequences.
const TRAVERSALS: &[&str] = &[
    "../../../../windows/win.ini",
    "../../../../../etc/passwd",
    "../../../../inetpub/wwwroot/dichvucong/web.config",
];

/// sqlmap's probes of the case lookup parameter, URL-encoded as it sends them.
const SQLMAP_PROBES: &[(&str, u16)] = &[
    ("%27", 500),
    ("%27%20AND%205561%3D5561%20AND%20%27lTqb%27%3D%27lTqb", 200),
    ("%27%20AND%205561%3D1022%20AND%20%27lTqb%27%3D%27lTqb", 200),
    ("%27%20ORDER%20BY%201--%20-", 200),
    ("%27%20ORDER%20BY%204--%20-", 200),
    ("%27%20ORDER%20BY%206--%20-", 500),
    ("%27%20UNION%20ALL%20SELECT%20NULL%2CNULL%2CNULL%2CNULL%2CNULL--%20-", 200),
    (
        "%27%20UNION%20ALL%20SELECT%20NULL%2CCONCAT%280x71766a7671%2C0x4d6a4b%2C0x716b787071%29%2CNULL%2CNULL%2CNULL--%20-",
        200,
    ),
    (
        "%27%20UNION%20ALL%20SELECT%20NULL%2CCONCAT%280x71766a7671%2CIFNULL%28CAST%28schema_name%20AS%20NCHAR%29%2C0x20%29%2C0x716b787071%29%2CNULL%2CNULL%2CNULL%20FROM%20INFORMATION_SCHEMA.SCHEMATA--%20-",
        200,
    ),
];

/// Commands sent to the web shell: its query string and what cmd.exe is given.
const SHELL_COMMANDS: &[(&str, &str)] = &[
    ("cmd=whoami", "whoami"),
    ("cmd=ipconfig+%2Fall", "ipconfig /all"),
    ("cmd=net+user", "net user"),
    ("cmd=tasklist+%2Fv", "tasklist /v"),
];

const SQLMAP: &str = "sqlmap/1.8.4#stable (https://sqlmap.org)";
const BROWSER: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0";
const SHELL_PATH: &str = "/uploads/tep-dinh-kem/hd.aspx";

/// The attacker's requests to one server, from one address.
struct Client<'a> {
    portal: &'a Host,
    address: std::net::Ipv4Addr,
}

impl Client<'_> {
    /// Sends a request after about `seconds`: (method, stem, query) answered with `status`.
    fn send(
        &self,
        scene: &mut Scene<'_>,
        seconds: i64,
        line: (&'static str, &str, &str),
        status: u16,
        user_agent: &str,
    ) {
        let (method, stem, query) = line;
        let at = scene.wait(seconds);
        let request = Request {
            client: self.address,
            method,
            stem,
            query,
            status,
            user_agent,
            referer: "",
        };
        scene
            .timeline
            .web_request(at, self.portal, PORTAL_SITE, &request, &mut scene.rng);
    }
}

fn play(scene: &mut Scene<'_>) {
    let (site, inventory) = (scene.site, scene.inventory);
    let Some(portal) = site.portal.as_ref().or(inventory.hub().portal.as_ref()) else {
        return;
    };
    let client = Client {
        portal,
        address: scene.attacker_ip([203, 0, 113]),
    };

    // Reconnaissance with Nikto.
    for (test, (stem, status)) in SCAN_PATHS.iter().enumerate() {
        let user_agent = format!(
            "Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:{:06})",
            1000 + test * 37
        );
        client.send(scene, 2, ("GET", stem, ""), *status, &user_agent);
    }

    // Path traversal against the document download handler.
    for file in TRAVERSALS {
        client.send(
            scene,
            40,
            ("GET", "/tai-lieu/tai-ve.aspx", &format!("tep={file}")),
            500,
            BROWSER,
        );
    }

    // SQL injection with sqlmap on the case lookup page.
    let case = format!("H39.25-250314-{:04}", scene.rng.random_range(1..4000));
    for (probe, status) in SQLMAP_PROBES {
        client.send(
            scene,
            6,
            ("GET", "/tra-cuu-ho-so", &format!("ma_ho_so={case}{probe}")),
            *status,
            SQLMAP,
        );
    }

    // A web shell uploaded as a case attachment, then used to run commands.
    client.send(
        scene,
        300,
        ("POST", "/nop-ho-so/tai-tep-dinh-kem", ""),
        200,
        BROWSER,
    );
    let worker = portal.shell();
    scene.write_file(
        portal,
        worker,
        0,
        "C:\\inetpub\\wwwroot\\dichvucong\\uploads\\tep-dinh-kem\\hd.aspx",
    );
    for (query, command) in SHELL_COMMANDS {
        client.send(scene, 25, ("GET", SHELL_PATH, query), 200, BROWSER);
        scene.via_cmd(portal, worker, 0, command);
    }
}
