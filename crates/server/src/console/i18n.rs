//! The console's languages and its message catalogue: every string the pages show, in
//! Vietnamese (the default) and English.
//!
//! The language comes from `?lang=vi|en` when given (and is then remembered in the
//! [`LANG_COOKIE`]), else from that cookie, else Vietnamese.

use axum::http::{header, HeaderMap, HeaderValue, Uri};
use vigil_store::db::{AlertLevel, AlertStatus};

/// The cookie that remembers the chosen language.
pub const LANG_COOKIE: &str = "vigil_lang";

/// A language of the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    /// The BCP 47 tag, for `<html lang>`, `?lang=` and the cookie.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    fn parse(text: &str) -> Option<Lang> {
        match text {
            "vi" => Some(Lang::Vi),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language asked for in the query string, if any.
    pub fn from_query(uri: &Uri) -> Option<Lang> {
        uri.query()?
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(name, _)| *name == "lang")
            .and_then(|(_, value)| Lang::parse(value))
    }

    /// The language of a request: query string, then cookie, then Vietnamese.
    pub fn of_request(uri: &Uri, headers: &HeaderMap) -> Lang {
        Lang::from_query(uri)
            .or_else(|| {
                headers
                    .get_all(header::COOKIE)
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .flat_map(|v| v.split(';'))
                    .filter_map(|pair| pair.trim().split_once('='))
                    .find(|(name, _)| *name == LANG_COOKIE)
                    .and_then(|(_, value)| Lang::parse(value))
            })
            .unwrap_or_default()
    }

    /// `Set-Cookie` that remembers this language for a year.
    pub fn cookie(self) -> HeaderValue {
        HeaderValue::from_str(&format!(
            "{LANG_COOKIE}={}; Max-Age=31536000; SameSite=Lax; Path=/",
            self.code()
        ))
        .expect("language codes are ASCII")
    }

    /// The other language, for the switch in the header.
    pub fn other(self) -> Lang {
        match self {
            Lang::Vi => Lang::En,
            Lang::En => Lang::Vi,
        }
    }

    /// The translation of `msg`.
    pub fn t(self, msg: Msg) -> &'static str {
        let (vi, en) = msg.texts();
        match self {
            Lang::Vi => vi,
            Lang::En => en,
        }
    }

    /// The name of an alert level.
    pub fn level(self, level: AlertLevel) -> &'static str {
        self.t(match level {
            AlertLevel::Informational => Msg::LevelInformational,
            AlertLevel::Low => Msg::LevelLow,
            AlertLevel::Medium => Msg::LevelMedium,
            AlertLevel::High => Msg::LevelHigh,
            AlertLevel::Critical => Msg::LevelCritical,
        })
    }

    /// The name of an alert status.
    pub fn status(self, status: AlertStatus) -> &'static str {
        self.t(match status {
            AlertStatus::New => Msg::StatusNew,
            AlertStatus::Acknowledged => Msg::StatusAcknowledged,
            AlertStatus::InProgress => Msg::StatusInProgress,
            AlertStatus::Closed => Msg::StatusClosed,
            AlertStatus::FalsePositive => Msg::StatusFalsePositive,
        })
    }
}

/// Every string of the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Msg {
    AppTagline,
    NavOverview,
    NavAlerts,
    NavSearch,
    NavRules,
    NavAdmin,
    LogOut,
    SwitchLanguage,
    LoginTitle,
    LoginField,
    Password,
    TotpCode,
    TotpHint,
    SignIn,
    WrongLogin,
    NeedsTotp,
    AccountLocked,
    AccountDisabled,
    TooManyAttempts,
    ChangePasswordTitle,
    ChangePasswordHint,
    CurrentPassword,
    NewPassword,
    RepeatPassword,
    ChangePassword,
    PasswordsDiffer,
    PasswordRefused,
    OverviewTitle,
    OpenByLevel,
    OpenByAgency,
    NoOpenAlerts,
    AlertsTitle,
    Level,
    Rule,
    Agency,
    System,
    Host,
    Count,
    FirstSeen,
    LastSeen,
    Status,
    Assignee,
    Any,
    Filter,
    NoAlerts,
    Shown,
    AlertTitle,
    Comments,
    NoComments,
    AddComment,
    NewStatus,
    Unchanged,
    Save,
    Back,
    NotFoundTitle,
    NotFoundText,
    ForbiddenTitle,
    ForbiddenText,
    ConflictTitle,
    ConflictText,
    BadRequestTitle,
    ErrorTitle,
    ErrorText,
    ComingSoon,
    LevelInformational,
    LevelLow,
    LevelMedium,
    LevelHigh,
    LevelCritical,
    StatusNew,
    StatusAcknowledged,
    StatusInProgress,
    StatusClosed,
    StatusFalsePositive,
    // rules / admin / audit / account
    NavAudit,
    UserActions,
    AccountTitle,
    ChangeRefused,
    ShownOnce,
    PagePrevious,
    PageNext,
    RulesTitle,
    RuleSearch,
    RuleStatus,
    RuleState,
    RuleEnabled,
    RuleDisabled,
    RuleAlerts,
    RuleExceptions,
    NoRules,
    RuleOriginalTitle,
    RuleKind,
    RuleAuthor,
    RuleOrigin,
    RuleHitsSinceStart,
    EnableRule,
    DisableRule,
    RuleDescription,
    RuleGuidance,
    RuleTags,
    RuleFalsePositives,
    RuleReferences,
    RuleSource,
    NoExceptions,
    ExceptionField,
    ExceptionMatch,
    ExceptionValue,
    ExceptionComment,
    ExceptionAuthor,
    EveryAgency,
    DeleteException,
    AddException,
    ExceptionAdded,
    ExceptionDeleted,
    Backtest,
    BacktestRange,
    Last24Hours,
    Last7Days,
    Last30Days,
    RunBacktest,
    BacktestHint,
    BacktestCorrelation,
    BacktestScanned,
    BacktestMatched,
    BacktestSuppressed,
    BacktestCapped,
    BacktestEventTime,
    BacktestEventText,
    SilencedByException,
    UsersTitle,
    DisplayName,
    UserRole,
    LastLogin,
    UserDisabled,
    UserLocked,
    UserMustChange,
    NoAgency,
    EnableUser,
    DisableUser,
    ResetPassword,
    TurnOffTotp,
    CreateUser,
    CreateUserHint,
    UserCreated,
    UserChanged,
    PasswordReset,
    RoleAdmin,
    RoleSocAnalyst,
    RoleLeader,
    RoleAgencyOfficer,
    RoleAuditor,
    AgenciesTitle,
    AgencyName,
    ParentAgency,
    CreatedOn,
    CreateAgency,
    AgencyCreated,
    TokensTitle,
    NoTokens,
    TokenScope,
    LastUsed,
    TokenRevoked,
    RevokeToken,
    CreateToken,
    CreateTokenHint,
    TokenCreated,
    TokenRevokedNow,
    NotificationsTitle,
    NotificationsHint,
    NotifyEmails,
    NotifyWebhooks,
    NotifyMinLevel,
    NotifyLastChange,
    NotificationsSaved,
    AuditTitle,
    AuditActor,
    AuditAction,
    AuditFrom,
    AuditTo,
    AuditVerify,
    AuditEmpty,
    AuditWhen,
    AuditObject,
    AuditBefore,
    AuditAfter,
    AuditIntact,
    AuditRecords,
    AuditBroken,
    TotpTitle,
    TotpIsOn,
    TotpIsOff,
    TotpBegin,
    TotpRestart,
    TotpScan,
    TotpQrAlt,
    TotpSecret,
    TotpConfirm,
    TotpWrongCode,
    TotpEnabled,
    TotpDisable,
    TotpDisabled,
}

impl Msg {
    /// (Vietnamese, English).
    fn texts(self) -> (&'static str, &'static str) {
        use Msg::*;
        match self {
            AppTagline => ("Trung tâm giám sát an toàn thông tin", "Security operations centre"),
            NavOverview => ("Tổng quan", "Overview"),
            NavAlerts => ("Cảnh báo", "Alerts"),
            NavSearch => ("Tìm kiếm", "Search"),
            NavRules => ("Luật", "Rules"),
            NavAdmin => ("Quản trị", "Admin"),
            LogOut => ("Đăng xuất", "Log out"),
            SwitchLanguage => ("English", "Tiếng Việt"),
            LoginTitle => ("Đăng nhập", "Log in"),
            LoginField => ("Tên đăng nhập", "Login"),
            Password => ("Mật khẩu", "Password"),
            TotpCode => ("Mã xác thực (TOTP)", "Authenticator code (TOTP)"),
            TotpHint => ("Chỉ khi tài khoản đã bật xác thực hai lớp.", "Only if the account has two-factor authentication."),
            SignIn => ("Đăng nhập", "Log in"),
            WrongLogin => ("Sai tên đăng nhập, mật khẩu hoặc mã xác thực.", "Wrong login, password or code."),
            NeedsTotp => ("Tài khoản này cần mã xác thực.", "This account needs an authenticator code."),
            AccountLocked => ("Tài khoản tạm thời bị khóa do đăng nhập sai nhiều lần. Hãy thử lại sau.", "The account is locked after repeated failures. Try again later."),
            AccountDisabled => ("Tài khoản đã bị vô hiệu hóa.", "The account is disabled."),
            TooManyAttempts => ("Quá nhiều lần thử. Hãy chờ một phút.", "Too many attempts. Wait a minute."),
            ChangePasswordTitle => ("Đổi mật khẩu", "Change password"),
            ChangePasswordHint => ("Bạn cần đổi mật khẩu dùng một lần trước khi tiếp tục.", "Change your one-time password before you continue."),
            CurrentPassword => ("Mật khẩu hiện tại", "Current password"),
            NewPassword => ("Mật khẩu mới", "New password"),
            RepeatPassword => ("Nhập lại mật khẩu mới", "Repeat the new password"),
            ChangePassword => ("Đổi mật khẩu", "Change password"),
            PasswordsDiffer => ("Hai mật khẩu mới không khớp.", "The new passwords differ."),
            PasswordRefused => ("Mật khẩu hiện tại sai, mật khẩu mới quá yếu, hoặc tài khoản đang bị khóa.", "Wrong current password, a new password that is too weak, or a locked account."),
            OverviewTitle => ("Tổng quan", "Overview"),
            OpenByLevel => ("Cảnh báo đang mở theo mức độ", "Open alerts by level"),
            OpenByAgency => ("Cảnh báo đang mở theo cơ quan", "Open alerts by agency"),
            NoOpenAlerts => ("Không có cảnh báo đang mở.", "No open alerts."),
            AlertsTitle => ("Hàng đợi cảnh báo", "Alert queue"),
            Level => ("Mức độ", "Level"),
            Rule => ("Luật", "Rule"),
            Agency => ("Cơ quan", "Agency"),
            System => ("Hệ thống", "System"),
            Host => ("Máy", "Host"),
            Count => ("Số lần", "Count"),
            FirstSeen => ("Lần đầu", "First seen"),
            LastSeen => ("Lần cuối", "Last seen"),
            Status => ("Trạng thái", "Status"),
            Assignee => ("Người xử lý", "Assignee"),
            Any => ("Tất cả", "Any"),
            Filter => ("Lọc", "Filter"),
            NoAlerts => ("Không có cảnh báo nào.", "No alerts."),
            Shown => ("Hiển thị", "Showing"),
            AlertTitle => ("Cảnh báo", "Alert"),
            Comments => ("Ghi chú", "Comments"),
            NoComments => ("Chưa có ghi chú.", "No comments yet."),
            AddComment => ("Ghi chú", "Comment"),
            NewStatus => ("Chuyển trạng thái", "Change status"),
            Unchanged => ("Giữ nguyên", "Unchanged"),
            Save => ("Lưu", "Save"),
            Back => ("Quay lại", "Back"),
            NotFoundTitle => ("Không tìm thấy", "Not found"),
            NotFoundText => ("Trang hoặc đối tượng này không tồn tại.", "This page or object does not exist."),
            ForbiddenTitle => ("Không được phép", "Not allowed"),
            ForbiddenText => ("Bạn không có quyền thực hiện thao tác này, hoặc phiên làm việc đã hết hạn. Hãy tải lại trang.", "You may not do this, or the form has expired. Reload the page."),
            ConflictTitle => ("Không thể thay đổi", "Cannot change"),
            ConflictText => ("Cảnh báo không thể chuyển sang trạng thái này.", "The alert cannot move to this status."),
            BadRequestTitle => ("Yêu cầu không hợp lệ", "Invalid request"),
            ErrorTitle => ("Lỗi", "Error"),
            ErrorText => ("Đã có lỗi xảy ra. Hãy thử lại.", "Something went wrong. Try again."),
            ComingSoon => ("Trang này sẽ có trong phiên bản sau.", "This page comes in a later version."),
            LevelInformational => ("Thông tin", "Informational"),
            LevelLow => ("Thấp", "Low"),
            LevelMedium => ("Trung bình", "Medium"),
            LevelHigh => ("Cao", "High"),
            LevelCritical => ("Nghiêm trọng", "Critical"),
            StatusNew => ("Mới", "New"),
            StatusAcknowledged => ("Đã tiếp nhận", "Acknowledged"),
            StatusInProgress => ("Đang xử lý", "In progress"),
            StatusClosed => ("Đã đóng", "Closed"),
            StatusFalsePositive => ("Báo động giả", "False positive"),
            // rules / admin / audit / account
            NavAudit => ("Nhật ký kiểm toán", "Audit log"),
            UserActions => ("Thao tác", "Actions"),
            AccountTitle => ("Tài khoản của tôi", "My account"),
            ChangeRefused => ("Không thực hiện được thay đổi:", "The change was refused:"),
            ShownOnce => ("Giá trị này chỉ hiển thị một lần. Hãy sao chép và trao cho người dùng qua kênh an toàn.", "This is shown only once. Copy it and hand it over through a safe channel."),
            PagePrevious => ("Trang trước", "Previous"),
            PageNext => ("Trang sau", "Next"),
            RulesTitle => ("Luật phát hiện", "Detection rules"),
            RuleSearch => ("Tìm theo tên hoặc ID", "Title or ID contains"),
            RuleStatus => ("Độ ổn định", "Rule status"),
            RuleState => ("Trạng thái", "State"),
            RuleEnabled => ("Đang bật", "Enabled"),
            RuleDisabled => ("Đã tắt", "Disabled"),
            RuleAlerts => ("Cảnh báo", "Alerts"),
            RuleExceptions => ("Ngoại lệ", "Exceptions"),
            NoRules => ("Không có luật nào khớp bộ lọc.", "No rule matches these filters."),
            RuleOriginalTitle => ("Tên gốc", "Original title"),
            RuleKind => ("Loại", "Kind"),
            RuleAuthor => ("Tác giả", "Author"),
            RuleOrigin => ("Nguồn tệp", "Loaded from"),
            RuleHitsSinceStart => ("Số lần khớp từ khi khởi động", "Hits since start"),
            EnableRule => ("Bật luật", "Enable rule"),
            DisableRule => ("Tắt luật", "Disable rule"),
            RuleDescription => ("Mô tả", "Description"),
            RuleGuidance => ("Hướng dẫn xử lý ban đầu", "First-response guidance"),
            RuleTags => ("Nhãn", "Tags"),
            RuleFalsePositives => ("Trường hợp báo động giả thường gặp", "Known false positives"),
            RuleReferences => ("Tài liệu tham khảo", "References"),
            RuleSource => ("Mã nguồn YAML", "YAML source"),
            NoExceptions => ("Luật này chưa có ngoại lệ.", "This rule has no exceptions."),
            ExceptionField => ("Trường", "Field"),
            ExceptionMatch => ("Cách so khớp", "Match"),
            ExceptionValue => ("Giá trị", "Value"),
            ExceptionComment => ("Ghi chú", "Comment"),
            ExceptionAuthor => ("Người tạo", "Added by"),
            EveryAgency => ("Mọi cơ quan", "Every agency"),
            DeleteException => ("Xóa", "Delete"),
            AddException => ("Thêm ngoại lệ", "Add exception"),
            ExceptionAdded => ("Đã thêm ngoại lệ; áp dụng từ lô sự kiện kế tiếp.", "Exception added; it applies from the next batch of events."),
            ExceptionDeleted => ("Đã xóa ngoại lệ.", "Exception deleted."),
            Backtest => ("Chạy thử trên dữ liệu đã lưu", "Backtest on stored events"),
            BacktestRange => ("Khoảng thời gian", "Time range"),
            Last24Hours => ("24 giờ qua", "Last 24 hours"),
            Last7Days => ("7 ngày qua", "Last 7 days"),
            Last30Days => ("30 ngày qua", "Last 30 days"),
            RunBacktest => ("Chạy thử", "Run backtest"),
            BacktestHint => ("Luật được chạy đúng như khi phát hiện trực tiếp, trên các sự kiện mới nhất, tối đa", "The rule runs exactly as live detection runs it, over the newest events, at most"),
            BacktestCorrelation => ("Luật tương quan xét chuỗi sự kiện nên không chạy thử theo từng sự kiện được.", "Correlation rules match sequences of events and cannot be backtested event by event."),
            BacktestScanned => ("Sự kiện đã xét:", "Events scanned:"),
            BacktestMatched => ("Khớp:", "Matched:"),
            BacktestSuppressed => ("Bị ngoại lệ loại trừ:", "Silenced by exceptions:"),
            BacktestCapped => ("Đã dừng ở giới hạn số sự kiện; các sự kiện cũ hơn chưa được xét.", "Stopped at the event limit; older events were not scanned."),
            BacktestEventTime => ("Thời điểm", "Time"),
            BacktestEventText => ("Nội dung gốc", "Original text"),
            SilencedByException => ("bị ngoại lệ loại trừ", "silenced by an exception"),
            UsersTitle => ("Người dùng", "Users"),
            DisplayName => ("Tên hiển thị", "Display name"),
            UserRole => ("Vai trò", "Role"),
            LastLogin => ("Đăng nhập gần nhất", "Last login"),
            UserDisabled => ("Đã vô hiệu hóa", "Disabled"),
            UserLocked => ("Đang bị khóa", "Locked"),
            UserMustChange => ("Chờ đổi mật khẩu", "Must change password"),
            NoAgency => ("Không thuộc cơ quan nào", "No agency"),
            EnableUser => ("Kích hoạt lại", "Enable"),
            DisableUser => ("Vô hiệu hóa", "Disable"),
            ResetPassword => ("Cấp lại mật khẩu", "Reset password"),
            TurnOffTotp => ("Tắt xác thực hai lớp", "Turn off TOTP"),
            CreateUser => ("Tạo người dùng", "Create user"),
            CreateUserHint => ("Người dùng mới nhận một mật khẩu dùng một lần và phải đổi mật khẩu khi đăng nhập lần đầu. Cán bộ cơ quan phải thuộc một cơ quan.", "A new user gets a one-time password to change at the first login. Agency officers need an agency."),
            UserCreated => ("Đã tạo người dùng. Tên đăng nhập và mật khẩu dùng một lần:", "User created. Login and one-time password:"),
            UserChanged => ("Đã lưu thay đổi của người dùng.", "User changed."),
            PasswordReset => ("Đã cấp lại mật khẩu; mọi phiên đăng nhập của người dùng đã kết thúc. Mật khẩu dùng một lần mới:", "Password reset; every session of the user has ended. New one-time password:"),
            RoleAdmin => ("Quản trị viên", "Administrator"),
            RoleSocAnalyst => ("Chuyên viên giám sát (SOC)", "SOC analyst"),
            RoleLeader => ("Lãnh đạo", "Leader"),
            RoleAgencyOfficer => ("Cán bộ cơ quan", "Agency officer"),
            RoleAuditor => ("Kiểm toán viên", "Auditor"),
            AgenciesTitle => ("Cơ quan, đơn vị", "Agencies"),
            AgencyName => ("Tên cơ quan", "Agency name"),
            ParentAgency => ("Cơ quan cấp trên", "Parent agency"),
            CreatedOn => ("Ngày tạo", "Created"),
            CreateAgency => ("Thêm cơ quan", "Add agency"),
            AgencyCreated => ("Đã thêm cơ quan.", "Agency added."),
            TokensTitle => ("Mã truy cập API và mã gửi nhật ký", "API and ingest tokens"),
            NoTokens => ("Chưa có mã truy cập nào.", "No tokens yet."),
            TokenScope => ("Phạm vi", "Scope"),
            LastUsed => ("Dùng gần nhất", "Last used"),
            TokenRevoked => ("Đã thu hồi", "Revoked"),
            RevokeToken => ("Thu hồi", "Revoke"),
            CreateToken => ("Tạo mã truy cập", "Create token"),
            CreateTokenHint => ("Mã gửi nhật ký (ingest) phải thuộc một cơ quan; mã API cần vai trò, hoặc một cơ quan (khi đó là cán bộ cơ quan).", "Ingest tokens need an agency; API tokens need a role, or an agency (they then act as its officer)."),
            TokenCreated => ("Đã tạo mã truy cập:", "Token created:"),
            TokenRevokedNow => ("Đã thu hồi mã truy cập; mã này không còn dùng được.", "Token revoked; it no longer works."),
            NotificationsTitle => ("Thông báo cảnh báo", "Alert notifications"),
            NotificationsHint => ("Mỗi cơ quan: địa chỉ e-mail và webhook (http hoặc https) nhận cảnh báo, mỗi dòng một địa chỉ, và mức độ thấp nhất được gửi.", "Per agency: e-mail addresses and webhook URLs (http or https) that receive its alerts, one a line, and the lowest level sent."),
            NotifyEmails => ("Địa chỉ e-mail", "E-mail addresses"),
            NotifyWebhooks => ("Webhook", "Webhook URLs"),
            NotifyMinLevel => ("Mức độ thấp nhất", "Lowest level"),
            NotifyLastChange => ("Thay đổi gần nhất:", "Last changed by"),
            NotificationsSaved => ("Đã lưu cài đặt thông báo.", "Notification settings saved."),
            AuditTitle => ("Nhật ký kiểm toán", "Audit log"),
            AuditActor => ("Người thực hiện", "Actor"),
            AuditAction => ("Hành động", "Action"),
            AuditFrom => ("Từ (UTC)", "From (UTC)"),
            AuditTo => ("Đến (UTC)", "To (UTC)"),
            AuditVerify => ("Kiểm tra tính toàn vẹn", "Verify the chain"),
            AuditEmpty => ("Không có bản ghi nào.", "No records."),
            AuditWhen => ("Thời điểm", "When"),
            AuditObject => ("Đối tượng", "Object"),
            AuditBefore => ("Trước", "Before"),
            AuditAfter => ("Sau", "After"),
            AuditIntact => ("Chuỗi nhật ký toàn vẹn", "The chain is intact"),
            AuditRecords => ("bản ghi", "records"),
            AuditBroken => ("Chuỗi nhật ký bị phá vỡ tại bản ghi", "The chain breaks at record"),
            TotpTitle => ("Xác thực hai lớp (TOTP)", "Two-factor authentication (TOTP)"),
            TotpIsOn => ("Xác thực hai lớp đang bật: mỗi lần đăng nhập cần mã từ ứng dụng xác thực.", "Two-factor authentication is on: every login needs a code from your authenticator."),
            TotpIsOff => ("Xác thực hai lớp đang tắt.", "Two-factor authentication is off."),
            TotpBegin => ("Bật xác thực hai lớp", "Set up two-factor authentication"),
            TotpRestart => ("Tạo mã QR mới", "Start again with a new QR code"),
            TotpScan => ("Quét mã QR bằng ứng dụng xác thực (hoặc nhập khóa bí mật), rồi nhập mã 6 chữ số để xác nhận.", "Scan the QR code with your authenticator app (or type in the secret), then enter its 6-digit code to confirm."),
            TotpQrAlt => ("Mã QR để thêm tài khoản vào ứng dụng xác thực", "QR code that adds the account to an authenticator app"),
            TotpSecret => ("Khóa bí mật (base32)", "Secret (base32)"),
            TotpConfirm => ("Xác nhận và bật", "Confirm and turn on"),
            TotpWrongCode => ("Mã xác thực không đúng. Hãy nhập mã đang hiển thị trên ứng dụng.", "Wrong code. Enter the code your app shows now."),
            TotpEnabled => ("Đã bật xác thực hai lớp.", "Two-factor authentication is now on."),
            TotpDisable => ("Tắt xác thực hai lớp", "Turn off two-factor authentication"),
            TotpDisabled => ("Đã tắt xác thực hai lớp.", "Two-factor authentication is now off."),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_wins_over_the_cookie_and_vietnamese_is_the_default() {
        let mut headers = HeaderMap::new();
        let plain: Uri = "/login".parse().unwrap();
        assert_eq!(Lang::of_request(&plain, &headers), Lang::Vi);
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=b; vigil_lang=en"),
        );
        assert_eq!(Lang::of_request(&plain, &headers), Lang::En);
        let vi: Uri = "/login?x=1&lang=vi".parse().unwrap();
        assert_eq!(Lang::of_request(&vi, &headers), Lang::Vi);
        let junk: Uri = "/login?lang=fr".parse().unwrap();
        assert_eq!(Lang::from_query(&junk), None);
    }

    #[test]
    fn both_languages_say_something_different_where_it_matters() {
        assert_ne!(Lang::Vi.t(Msg::LoginTitle), Lang::En.t(Msg::LoginTitle));
        assert_eq!(Lang::En.level(AlertLevel::High), "High");
        assert_eq!(Lang::Vi.status(AlertStatus::Closed), "Đã đóng");
    }
}
