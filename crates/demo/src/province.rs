//! The province the demo day happens in: its agencies, their hosts, staff and addresses.
//!
//! The province itself (Minh Sơn) is fictional. Each [`Agency`] gets Windows workstations,
//! a Windows file server and a Linux web server for its public site; the first agency is the
//! hub that also runs the domain controllers, the remote desktop server and the province's
//! online public services portal on IIS.

use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::Rng;
use std::net::Ipv4Addr;

use crate::windows::{Account, Proc};

/// NetBIOS name of the province's Active Directory domain.
pub(crate) const AD_DOMAIN: &str = "MINHSON";
/// DNS name of the Active Directory domain.
pub(crate) const AD_DNS_DOMAIN: &str = "minhson.local";
/// Public DNS zone of the province.
pub(crate) const PUBLIC_DOMAIN: &str = "minhson.gov.vn";
/// Host name of the online public services portal run by the hub agency.
pub(crate) const PORTAL_SITE: &str = "dichvucong.minhson.gov.vn";

/// One agency of the province: a department, the provincial office or a commune.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agency {
    /// Vietnamese name as staff write it, e.g. `Sở Y tế`. Every event carries it as `agency`.
    pub name: String,
    /// Short ASCII code used in host names, e.g. `SYT` gives `SYT-PC001` and `SYT-WEB01`.
    pub code: String,
    /// Public web site served by the agency's Linux web server, e.g. `syt.minhson.gov.vn`.
    pub site: String,
    /// Number of Windows workstations (at least one is used).
    pub workstations: u16,
}

impl Agency {
    /// An agency whose public site is `<subdomain>.minhson.gov.vn` (or the bare zone when
    /// `subdomain` is empty).
    pub fn new(name: &str, code: &str, subdomain: &str, workstations: u16) -> Self {
        let site = if subdomain.is_empty() {
            PUBLIC_DOMAIN.to_owned()
        } else {
            format!("{subdomain}.{PUBLIC_DOMAIN}")
        };
        Agency {
            name: name.to_owned(),
            code: code.to_owned(),
            site,
            workstations,
        }
    }
}

/// The six agencies of the default demo, hub first.
///
/// Stories pick their agency by position (see [`crate::Story::agency`]), so a custom list
/// keeps working: positions wrap around a shorter list.
pub fn default_agencies() -> Vec<Agency> {
    vec![
        Agency::new("Văn phòng UBND tỉnh", "VPUB", "", 14),
        Agency::new("Sở Khoa học và Công nghệ", "SKHCN", "skhcn", 10),
        Agency::new("Sở Y tế", "SYT", "syt", 12),
        Agency::new("Sở Giáo dục và Đào tạo", "SGD", "sgddt", 18),
        Agency::new("Sở Tài chính", "STC", "stc", 10),
        Agency::new("UBND xã Tân Lập", "XTL", "tanlap", 4),
    ]
}

/// What a host is for; decides its background activity and which logs it writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Workstation,
    FileServer,
    DomainController,
    RemoteDesktop,
    /// Windows IIS server of the online public services portal.
    Portal,
    /// Linux nginx server of the agency's public site.
    LinuxWeb,
}

/// One machine of the inventory.
#[derive(Debug, Clone)]
pub(crate) struct Host {
    /// Short upper-case name, e.g. `SGD-PC017`.
    pub name: String,
    /// Vietnamese name of the owning agency.
    pub agency: String,
    pub role: Role,
    pub ip: Ipv4Addr,
    /// The person who sits at a workstation.
    pub owner: Option<Account>,
    /// `services.exe` on Windows hosts: parent of services and of PsExec's service.
    pub services: Proc,
    /// The owner's `explorer.exe` on workstations, the app pool's `w3wp.exe` on the portal.
    pub shell: Option<Proc>,
    /// The owner's web browser (Chrome or Cốc Cốc), started from `shell` in the morning.
    pub browser: Option<Proc>,
}

impl Host {
    /// Servers audit process creation (Security 4688) besides running Sysmon.
    pub fn audits_process_creation(&self) -> bool {
        !matches!(self.role, Role::Workstation | Role::LinuxWeb)
    }

    /// Fully qualified name, as Windows writes it in `Computer`.
    pub fn fqdn(&self) -> String {
        format!("{}.{AD_DNS_DOMAIN}", self.name)
    }

    /// The machine account, as the Security log names the local SYSTEM identity.
    pub fn machine_account(&self) -> Account {
        Account::new(AD_DOMAIN, &format!("{}$", self.name), "S-1-5-18")
    }

    /// The workstation's owner; panics on hosts without one (a generator bug).
    pub fn user(&self) -> &Account {
        self.owner.as_ref().expect("workstations have an owner")
    }

    /// The explorer (or w3wp) process; panics on hosts without one (a generator bug).
    pub fn shell(&self) -> &Proc {
        self.shell
            .as_ref()
            .expect("workstations and the portal have a shell process")
    }

    /// The owner's browser; panics on hosts without one (a generator bug).
    pub fn browser(&self) -> &Proc {
        self.browser.as_ref().expect("workstations have a browser")
    }
}

/// Every host and account of one agency.
#[derive(Debug, Clone)]
pub(crate) struct Site {
    pub agency: Agency,
    pub workstations: Vec<Host>,
    pub file_server: Host,
    pub web: Host,
    /// The agency's IT officer: a domain account with local admin rights on its servers.
    pub admin: Account,
    /// Hub only: domain controllers, remote desktop server and the IIS portal.
    pub domain_controllers: Vec<Host>,
    pub remote_desktop: Option<Host>,
    pub portal: Option<Host>,
}

impl Site {
    pub fn windows_servers(&self) -> impl Iterator<Item = &Host> {
        std::iter::once(&self.file_server)
            .chain(&self.domain_controllers)
            .chain(&self.remote_desktop)
            .chain(&self.portal)
    }
}

/// The whole province, built once per generated day from the agencies and the seed.
#[derive(Debug, Clone)]
pub(crate) struct Inventory {
    pub sites: Vec<Site>,
}

const FAMILY_NAMES: &[&str] = &[
    "nguyen", "tran", "le", "pham", "hoang", "huynh", "phan", "vu", "vo", "dang", "bui", "do",
    "ho", "ngo", "duong", "ly", "dinh", "trinh",
];
const MIDDLE_NAMES: &[&str] = &[
    "van", "thi", "huu", "duc", "minh", "thanh", "ngoc", "quoc", "thu", "anh", "xuan", "hong",
];
const GIVEN_NAMES: &[&str] = &[
    "an", "binh", "chi", "dung", "giang", "ha", "hai", "hanh", "hieu", "hoa", "hung", "huong",
    "khanh", "lan", "linh", "long", "mai", "nam", "nga", "phong", "phuong", "quang", "son", "tam",
    "thao", "trang", "tuan", "viet", "yen", "duy", "hoai", "loan",
];

/// The domain SID prefix shared by every domain account.
const DOMAIN_SID: &str = "S-1-5-21-3021457846-2281937145-1170381521";

impl Inventory {
    /// Lays out hosts, addresses and staff. Panics if `agencies` is empty.
    pub fn build(agencies: &[Agency], rng: &mut StdRng) -> Self {
        assert!(!agencies.is_empty(), "the demo needs at least one agency");
        let mut accounts = AccountBook::default();
        let sites = agencies
            .iter()
            .enumerate()
            .map(|(index, agency)| Self::site(index, agency, &mut accounts, rng))
            .collect();
        Inventory { sites }
    }

    fn site(index: usize, agency: &Agency, accounts: &mut AccountBook, rng: &mut StdRng) -> Site {
        // 10.20.0.0/16 for the hub, 10.21.0.0/16 for the next agency, and so on.
        let octet = u8::try_from(20 + index).unwrap_or(u8::MAX);
        let host =
            |role: Role, suffix: String, ip: [u8; 2], owner: Option<Account>, rng: &mut StdRng| {
                let name = format!("{}-{suffix}", agency.code);
                let services = Proc::service_control_manager(rng);
                let shell = match (role, &owner) {
                    (Role::Workstation, Some(user)) => Some(Proc::explorer(user, rng)),
                    (Role::Portal, _) => Some(Proc::iis_worker(&services, rng)),
                    _ => None,
                };
                let browser = owner.as_ref().zip(shell.as_ref()).map(|(user, explorer)| {
                    let image = if rng.random_bool(0.3) {
                        format!(
                        "C:\\Users\\{}\\AppData\\Local\\CocCoc\\Browser\\Application\\browser.exe",
                        user.name
                    )
                    } else {
                        "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe".to_owned()
                    };
                    explorer.spawn(&image, &format!("\"{image}\""), rng)
                });
                Host {
                    name,
                    agency: agency.name.clone(),
                    role,
                    ip: Ipv4Addr::new(10, octet, ip[0], ip[1]),
                    owner,
                    services,
                    shell,
                    browser,
                }
            };
        let workstations = (1..=agency.workstations.max(1))
            .map(|n| {
                let user = accounts.person(rng);
                let last = u8::try_from(10 + n % 240).unwrap_or(250);
                host(
                    Role::Workstation,
                    format!("PC{n:03}"),
                    [1, last],
                    Some(user),
                    rng,
                )
            })
            .collect();
        let admin = accounts.admin(rng);
        let hub = index == 0;
        Site {
            agency: agency.clone(),
            workstations,
            file_server: host(Role::FileServer, "FS01".into(), [0, 10], None, rng),
            web: host(Role::LinuxWeb, "WEB01".into(), [100, 10], None, rng),
            admin,
            domain_controllers: if hub {
                (1..=2u8)
                    .map(|n| {
                        host(
                            Role::DomainController,
                            format!("DC{n:02}"),
                            [0, n],
                            None,
                            rng,
                        )
                    })
                    .collect()
            } else {
                Vec::new()
            },
            remote_desktop: hub
                .then(|| host(Role::RemoteDesktop, "RDS01".into(), [0, 30], None, rng)),
            portal: hub.then(|| host(Role::Portal, "IIS01".into(), [100, 20], None, rng)),
        }
    }

    pub fn hub(&self) -> &Site {
        &self.sites[0]
    }

    /// The site a story at `slot` plays on: slots wrap around a short agency list.
    pub fn site_at(&self, slot: usize) -> &Site {
        &self.sites[slot % self.sites.len()]
    }

    pub fn domain_controller(&self) -> &Host {
        &self.hub().domain_controllers[0]
    }

    pub fn workstations(&self) -> impl Iterator<Item = &Host> {
        self.sites.iter().flat_map(|site| &site.workstations)
    }

    pub fn windows_servers(&self) -> impl Iterator<Item = &Host> {
        self.sites.iter().flat_map(Site::windows_servers)
    }
}

/// Hands out unique staff accounts (`lannt` for Nguyễn Thị Lan) and relative identifiers.
#[derive(Default)]
struct AccountBook {
    taken: std::collections::BTreeSet<String>,
    next_rid: u32,
}

impl AccountBook {
    fn person(&mut self, rng: &mut StdRng) -> Account {
        loop {
            let given = GIVEN_NAMES.choose(rng).copied().unwrap_or("an");
            let family = FAMILY_NAMES.choose(rng).copied().unwrap_or("nguyen");
            let middle = MIDDLE_NAMES.choose(rng).copied().unwrap_or("van");
            let mut name = format!("{given}{}{}", &family[..1], &middle[..1]);
            if self.taken.contains(&name) {
                name.push_str(&rng.random_range(2..10u8).to_string());
            }
            if self.taken.insert(name.clone()) {
                return self.domain_account(&name);
            }
        }
    }

    /// An IT officer's separate admin account: `qt.` (quản trị) before the person's name.
    fn admin(&mut self, rng: &mut StdRng) -> Account {
        let person = self.person(rng);
        self.domain_account(&format!("qt.{}", person.name))
    }

    fn domain_account(&mut self, name: &str) -> Account {
        self.next_rid += 1;
        let rid = 1104 + self.next_rid;
        Account::new(AD_DOMAIN, name, &format!("{DOMAIN_SID}-{rid}"))
    }
}
