# 词库：每一处读者看到的文字（中文）。与 en.ftl 的键一一对应。
# The word catalogue, zh-CN. Keys match en.ftl one for one.

## The signed-in areas: sign-in, the portal, shared form words (src/web/words.rs)

portal-site = Debut 首发首秀
portal-skip = 跳到正文
portal-switch-label = English
portal-sign-in = 登录
portal-sign-out = 退出
portal-register = 注册
portal-portal = 我的申请
portal-public-site = 活动
portal-account = 账户
portal-error-summary = 请修改以下内容
portal-email = 电子邮箱
portal-password = 密码
portal-password-hint = 至少 10 个字符。
portal-current-password = 当前密码
portal-new-password = 新密码
portal-forgot-password = 忘记密码？
portal-no-account = 还没有账户？
portal-have-account = 已有账户？
portal-wrong-login = 邮箱或密码不正确。
portal-too-many-logins = 登录失败次数过多，请稍后再试。
portal-organization-kind = 机构类型
portal-kind-brand = 品牌
portal-kind-brand-hint = 申请首发首秀档期和首店奖励。
portal-kind-organizer = 主办方
portal-kind-organizer-hint = 运营市集和活动季。
portal-kind-vendor = 商户
portal-kind-vendor-hint = 申请市集摊位。
portal-organization-name = 机构名称
portal-display-name = 您的姓名
portal-create-account = 创建账户
portal-email-taken = 该邮箱已注册，请直接登录或找回密码。
portal-forgot-title = 找回密码
portal-forgot-help = 输入注册邮箱，我们会发送一个一小时内有效的重置链接。
portal-send-reset-link = 发送重置链接
portal-reset-sent = 如果该邮箱已注册，重置链接已发出，请查收邮件。
portal-reset-title = 设置新密码
portal-reset-dead = 该链接无效、已使用或已过期，请重新申请。
portal-set-password = 设置密码
portal-password-set = 新密码已设置，请登录。
portal-change-password = 修改密码
portal-password-changed = 密码已修改，其他设备已退出登录。
portal-language = 通知语言
portal-save = 保存
portal-field-message = { $label }：{ $message }
portal-required = 必填
portal-welcome = 欢迎
portal-next-step = 下一步
portal-bookings = 档期申请
portal-apply-for-slot = 申请档期
portal-no-bookings = Debut 帮助品牌在城区秀场举办首发、首秀、首展。从申请一个档期开始。
portal-open = 打开
portal-public-page = 公开页面
portal-state = 状态
portal-venue = 秀场
portal-when = 时间
portal-choose-venue = 1 选择秀场
portal-core-showcases = 核心秀场：一街一厅一台
portal-main-showcases = 主要秀场：商场
portal-other-venues = 其他场地
portal-capacity = 容量
portal-indoor = 室内
portal-outdoor = 户外
portal-choose-time = 2 选择时间
portal-venue-time = 以下为秀场当地时间
portal-previous-week = 上一周
portal-next-week = 下一周
portal-free = 空闲
portal-busy = 已占用
portal-closed = 不开放
portal-pick-hint = 点击空闲时段填入开始和结束时间，或在下方直接填写。
portal-details = 3 填写申请
portal-title-zh = 中文标题
portal-title-en = 英文标题
portal-title-hint = 至少填写一种语言。
portal-description-zh = 中文介绍
portal-description-en = 英文介绍
portal-format = 活动形式
portal-reach = 首发级别
portal-brand-name = 首发品牌或产品
portal-brand-name-hint = 公众看到的品牌名称。
portal-expected-attendance = 预计人数
portal-starts-at = 开始时间
portal-ends-at = 结束时间
portal-time-hint = 秀场当地时间；可跨过午夜。
portal-setup-minutes = 搭建时间（分钟）
portal-teardown-minutes = 撤场时间（分钟）
portal-minutes-hint = 留空则使用秀场的默认时间。
portal-contact-name = 联系人
portal-contact-email = 联系邮箱
portal-contact-phone = 联系电话
portal-save-draft = 保存草稿
portal-submit-for-review = 提交审核
portal-submit-anyway = 仍然提交
portal-withdraw = 撤回
portal-edit = 修改
portal-request-change = 申请变更
portal-clash-title = 时间冲突
portal-clash-text = 该时间与其他申请重叠（含搭建和撤场）。附近的空闲时段：
portal-suggestions = 可选时段
portal-use-slot = 使用此时段
portal-at-other-venue = 其他秀场
portal-timeline = 进度
portal-comments = 留言
portal-no-comments = 还没有留言。
portal-comment = 给审核人员留言
portal-send = 发送
portal-staff = 审核人员
portal-images = 图片
portal-poster = 海报
# An image added after approval, not public until staff approve it.
portal-awaiting-review = 待工作人员审核，通过后公开
portal-image-file = 图片文件（JPEG、PNG 或 WebP）
portal-image-alt = 图片说明（供读屏软件使用）
portal-upload = 上传
portal-remove = 删除
portal-no-images = 还没有图片。第一张图片将作为海报。
portal-pending-change = 待审核的变更
portal-cancel-reason = 取消原因
portal-saved = 已保存。
portal-submitted-note = 已提交审核。
portal-withdrawn-note = 已撤回。
portal-commented-note = 留言已发送。
portal-removed-note = 已删除。
portal-calendar-feed = 我的日历订阅
portal-calendar-feed-help = 在日历应用中订阅您的所有申请（待审核的显示为暂定）。链接是私密的，泄露后请更换。
portal-renew = 更换链接
portal-revoke = 停用
portal-create-feed = 生成订阅链接
portal-organization = 机构
portal-rename = 修改名称
portal-logo = 标志
portal-no-logo = 还没有标志。
portal-members = 成员
portal-owner = 负责人
portal-member = 成员
portal-you = （您）
portal-invite = 邀请同事
portal-invite-help = 邀请链接只发送到该邮箱，七天内有效。
portal-send-invitation = 发送邀请
portal-invited = 邀请已发出。
portal-pending-invitations = 待接受的邀请
portal-expires = 有效期至
portal-withdraw-invitation = 撤回邀请
portal-join = 加入
portal-join-help = 创建您的账户以加入该机构。
portal-invitation-dead = 该邀请无效、已使用、已撤回或已过期，请联系邀请人重新发送。
portal-invitation-other-account = 该邀请发给另一个邮箱。请先退出当前账户。
portal-removed = 已移除。
portal-awards = 首店奖励
portal-apply-for-award = 申请首店奖励
portal-no-awards = 在城区商场开出首店的品牌可申请奖励。
portal-fund = 资金
portal-no-open-fund = 目前没有开放申请的资金。
portal-store-name = 门店名称
portal-mall = 所在商场
portal-no-mall = 不在商场内
portal-address = 门店地址
portal-address-hint = 不在商场内时必填。
portal-tier = 首店级别
portal-cap = 上限
portal-opening-date = 开业日期
portal-floor-area = 面积（平方米）
portal-investment = 投资额（元）
portal-requested = 申请金额（元）
portal-money-hint = 以元为单位，可带两位小数，如 800000 或 800000.50。
portal-statement = 说明
portal-evidence = 证明材料
portal-evidence-help = 门店照片、营业执照等：审核人员据此核实。
portal-award = 奖励金额
portal-clawed-back = 已追回
portal-alternatives = 其他可接受的时段（可选）
portal-alternative = 备选
portal-console = 工作台
portal-queue = 审核队列
portal-timeline-nav = 秀场排期
portal-venues-nav = 秀场管理
portal-markets-nav = 市集
portal-reports-nav = 报告
portal-staff-nav = 工作人员
portal-refused-title = 无法提交
portal-form-expired = 这张表单已过期，或不是从 Debut 的页面提交的。请返回上一页，刷新后再提交。
portal-too-large-title = 提交的内容太多
portal-too-large = 这张表单提交的内容超出了允许的大小。请缩短较长的文字（例如活动介绍）后再提交；图片请用页面上的上传按钮。
portal-form-unreadable = 无法读取这张表单。请返回上一页，刷新后再提交。
portal-too-many-title = 请稍后再试
portal-wait = 操作过于频繁，请在 { $seconds } 秒后再试。
portal-go-back = 返回上一页
portal-home = 返回首页
portal-not-found-title = 找不到这个页面
portal-not-found = 这个地址没有页面：可能链接有误，或者内容已被移除。请检查地址，或从首页重新查找。
portal-forbidden-title = 无权访问
portal-forbidden = 您的账户不能查看或修改这里的内容。如需访问，请用有权限的账户登录。
portal-gone-title = 内容已不存在
portal-gone = 这项内容已被删除或取消，不再提供。
portal-unavailable-title = 服务暂时不可用
portal-unavailable = 系统暂时无法读取数据，请稍后刷新页面再试。已缓存的活动页面仍可浏览。
portal-broken-title = 出错了
portal-broken = 我们这边出了问题，已记录下来。请稍后再试。
portal-bad-request-title = 无法处理这个请求
portal-bad-request = 请求的内容不完整或格式不对。请返回上一页重新操作。

## The staff console (src/console/words.rs)

console-no-changes = 没有待审核的变更。
console-no-awards = 没有待审核的首店奖励申请。
# The console's first line: what waits for review, each count with its name.
console-waiting-summary = 待处理：档期申请 { $bookings } 个 · 变更 { $changes } 个 · 首店奖励申请 { $awards } 个
console-submitted-bookings = 待审核的档期申请
console-change-requests = 待审核的变更
console-award-applications = 待审核的首店奖励申请
console-oldest-first = 按提交时间，最早的在前
# How long something has waited, in whole days.
console-age = { $days ->
        [0] 今天
        [1] 昨天
       *[other] { $days } 天前
    }
console-this-week = 本周活动
console-no-events = 本周没有活动。
console-funds = 资金
console-remaining = 剩余
console-budget = 预算
console-committed = 已承诺
console-outbox-problems = 发送失败的通知
console-outbox-ok = 所有通知均已送达。
console-subscribers = 每周新活动邮件的订阅者（已确认）
console-filter = 筛选
console-any = 全部
console-venue = 秀场
console-format = 活动形式
console-reach = 首发级别
console-from = 从
console-to = 到
console-clash-group = 冲突组
console-decide-group = 统一决定
console-clashes-with = 与以下申请冲突
console-no-clash = 无冲突
console-empty-queue = 队列已清空。
console-release = 统一发布
console-staged = 已暂存的决定
console-applicant = 申请方
console-attendance = 人数
console-submitted = 提交于
console-approve = 批准
console-reject = 驳回
console-request-changes = 要求修改
console-cancel = 取消活动
console-stage = 暂存决定
console-note = 给申请方的留言
console-note-hint = 申请方会收到这段话；取消活动时为公开原因。
console-internal-note = 内部备注（申请方看不到）
console-internal = 内部
console-history = 历史
console-comments = 留言
console-send = 发送
console-approve-this = 批准这一项
console-others = 其余申请
console-group-help = 同一秀场、时间重叠的申请。选择要批准的一项，其余的一并驳回或要求修改；留言可编辑。
console-group-message-reject = 同一时段已有其他活动获批，感谢您的申请。欢迎选择其他时间或秀场。
console-group-message-changes = 同一时段已有其他活动获批，请改选其他时间后重新提交。
console-decide = 执行决定
console-released = 已发布暂存的决定。
console-decided = 决定已生效。
console-week = 周
console-month = 月
console-legend = 图例
console-approved-block = ■ 已批准
console-pending-block = ▨ 待审核
console-blackout-block = ✕ 不可用
console-buffer-note = 括号内为含搭建和撤场的占用时间。
console-previous = 上一页
console-next = 下一页
console-core = 核心秀场
console-malls = 商场
console-others-tier = 其他
console-by-tier = 按首店级别
console-by-mall = 按商场
console-applications = 申请
console-duplicates = 可能重复
console-amount = 奖励金额（元）
console-amount-hint = 上限
console-claw-back = 追回
console-export = 导出
console-open-booking = 打开
console-venues = 秀场管理
console-new-venue = 新建秀场
console-slug = 网址名
console-slug-hint = 小写字母、数字和连字符，如 wuma-street。
console-name-zh = 中文名称
console-name-en = 英文名称
console-latitude = 纬度
console-longitude = 经度
console-coordinates-hint = WGS-84 坐标。
console-zone = 时区
console-kind = 类型
console-tier = 秀场等级
console-indoor = 室内
console-description = 介绍
console-hours = 开放时间
console-hours-hint = 每行一个时段：星期（mon…sun）和秀场当地时间，如 fri 18:00-02:00；结束早于开始表示跨过午夜；一天可有多个时段；没有时段的日子不开放。
console-opens = 开始
console-closes = 结束
console-blackouts = 不可用时段
console-blackouts-hint = 每行一个：开始 | 结束 | 原因，秀场当地时间，如 2027-02-10T00:00 | 2027-02-12T00:00 | 春节
console-photos = 照片
console-archive = 归档
console-archived = 已归档
console-save = 保存
console-staff-accounts = 工作人员账户
console-awaiting-confirmation = 待第二位工作人员复核
console-proposed-by = 提议人
console-confirm-award = 确认
console-decline-award = 驳回提议
console-withdraw-award = 撤回提议
console-needs-colleague = 须由另一位工作人员确认。
console-four-eyes-threshold = 双人复核门槛
console-awaiting-list = 待复核的奖励与追回
console-second-factor = 两步验证
console-second-factor-missing = 未设置两步验证
console-reset-second-factor = 重置两步验证
console-end-sessions = 结束全部会话
console-second-factor-policy = 两步验证要求
console-policy-admins = 仅管理员（默认）
console-policy-staff = 全部工作人员与管理员
console-admin = 管理员
console-staff-role = 工作人员
console-disabled = 已停用
console-disable = 停用
console-enable = 重新启用
console-send-reset = 发送重置密码链接
console-invite-staff = 添加工作人员
console-digest = 每日待办邮件
console-digest-help = 每天 08:00 后发送一封邮件，列出待审核的数量。
console-digest-on = 订阅
console-digest-off = 取消订阅
console-digest-is-on = 已订阅。
console-digest-is-off = 未订阅。
console-images-awaiting = 待审核图片
console-images-awaiting-hint = 档期批准后新增的图片：批准后才会公开（首张为海报），驳回则删除并告知申请方。

## The public pages (src/pages/i18n.rs)

page-site = Debut 首发首秀
page-tagline = 城区秀场的首发、首秀、首展与市集
page-nav-events = 活动
page-nav-venues = 秀场
page-nav-markets = 市集
page-nav-calls = 首发邀请
page-nav-sign-in = 登录
page-nav-register = 注册
page-switch-label = English
page-skip = 跳到正文
page-upcoming = 近期活动（30 天内）
page-filter = 筛选
page-venue = 秀场
page-kind = 场地类型
page-format = 活动形式
page-reach = 首发级别
page-from = 起始日期
page-any = 全部
page-apply = 筛选
page-subscribe = 订阅此视图
page-subscribe-help = 在日历应用中订阅，活动更新会自动同步。
page-https-feed = iCal 链接
page-rss = RSS
page-by-email = 每周邮件：新活动发到邮箱
page-no-events = 暂无符合条件的活动。
page-cancelled = 已取消
page-rescheduled = 已改期
page-previously = 原定
page-reason = 原因
page-when = 时间
page-where- = 地点
page-brand = 品牌
page-add-to-calendar = 加入日历
page-download-ics = 下载 .ics
page-venue-feed = 订阅该秀场日历
page-print-poster = 打印海报（附二维码）
page-capacity = 容量
page-people = 人
page-hours = 开放时间
page-closed = 休息
page-indoor = 室内
page-outdoor = 室外
page-upcoming-here = 即将举行
page-all-events = 全部活动
page-list-view = 列表
page-month-view = 月视图
page-previous-month = 上个月
page-next-month = 下个月
page-more = 更多
page-photos = 照片

## E-mail subscriptions (src/subscriptions/words.rs)

subscribe-title = 每周新活动邮件
subscribe-intro = 每周四上午，我们把新公布的活动发到您的邮箱：可以只看一个秀场、一类场地或只看市集。
subscribe-email-hint = 我们只用它发送确认邮件和每周邮件，不会公开。
subscribe-language = 邮件语言
subscribe-follows = 关注
subscribe-follows-hint = 留空表示全部活动。
subscribe-venue-kind = 场地类型
subscribe-any = 全部
subscribe-markets-only = 只看市集
subscribe-also = 另加筛选
subscribe-submit = 订阅
subscribe-privacy = 提交后，我们会发一封确认邮件；确认之前不会发送任何其他邮件。每封邮件都可一键退订。
subscribe-every-event = 全部活动
subscribe-filter-gone = 一个已不再提供的筛选
subscribe-sent-title = 请查收确认邮件
subscribe-sent-body = 如果这个地址可以订阅，我们已向它发送了确认链接（七天内有效）。点击链接并确认后，每周邮件才会开始发送。没收到？请查看垃圾邮件，或一小时后再试。
subscribe-confirm-title = 确认订阅
subscribe-confirm-body = 确认后，您每周四会收到一封新活动邮件：
subscribe-confirm-button = 确认订阅
subscribe-link-dead = 此确认链接已过期或已使用。请重新订阅以获取新链接。
subscribe-subscribe-again = 重新订阅
subscribe-page-title = 您的订阅
subscribe-status = 状态
subscribe-pending = 等待确认
subscribe-active = 已订阅：每周四发送
subscribe-ended = 已退订
subscribe-confirmed-notice = 订阅已确认。每封邮件底部都有此页面的链接，可随时退订。
subscribe-unsubscribe-button = 退订
subscribe-unsubscribe-help = 退订后不再发送此订阅的任何邮件。
subscribe-unsubscribe-every-help = 将退订发往此地址的全部每周邮件。
subscribe-unsubscribed-notice = 已退订。
subscribe-no-such = 没有找到此订阅：链接可能有误，或订阅早已结束。
subscribe-see-events = 查看这些活动

## Second factor, re-confirmation, sessions (src/web/security.rs)

security-code-title = 输入验证码
security-code-help = 打开您的身份验证器应用，输入 Debut 当前显示的 6 位验证码；手机不在身边时，可输入一个未用过的恢复码。
security-code = 验证码
security-code-hint = 6 位数字，或形如 abcde-23456 的恢复码
security-verify = 验证
security-wrong-code = 验证码不正确、已过期或已使用过，请输入应用当前显示的验证码。
security-expired = 本次登录已过期，请重新输入密码登录。
security-setup-title = 设置两步验证
security-setup-required = 您的角色登录时必须使用两步验证。设置完成后即可进入。
security-setup-steps = 用身份验证器应用（如 Microsoft Authenticator、Google 身份验证器、腾讯身份验证器）扫描二维码，或手动输入密钥，然后输入应用显示的第一个验证码。
security-secret-label = 密钥（手动输入）
security-qr-alt = 添加到身份验证器应用的二维码
security-first-code = 应用显示的验证码
security-turn-on = 开启两步验证
security-codes-title = 恢复码
security-codes-help = 请把这些恢复码保存在安全的地方（例如打印出来）。手机丢失时，每个恢复码可代替验证码使用一次。它们只显示这一次。
security-go-on = 继续
security-confirm-title = 确认密码
security-confirm-help = 您登录已超过 15 分钟。进行此项敏感操作前，请再次输入密码或验证码。
security-or-code = 或输入验证码
security-confirm = 确认
security-two-factor = 两步验证
security-two-factor-on = 已开启，开启时间
security-two-factor-off = 未开启。开启后，登录时除密码外还需输入手机应用上的验证码。
security-two-factor-required = 您的角色必须使用两步验证；如需更换手机，请联系管理员重置。
security-codes-left = 剩余恢复码
security-set-up = 设置两步验证
security-new-codes = 生成新的恢复码
security-turn-off = 关闭两步验证
security-sessions = 登录会话与令牌
security-this-session = 当前会话
security-opened = 登录于
security-last-used = 最近使用
security-end = 结束
security-end-others = 结束其他所有会话

## Market pages (src/pages/markets.rs)

market-heading = 市集
market-none = 暂无市集。
market-run-by = 主办
market-dates = 开市日期
market-date-count = 场
market-stall-map = 摊位图
market-no-plan = 摊位图尚未公布。
market-stall = 摊位
market-class = 类型
market-vendor = 摊主
market-free = 空闲
market-food = 可经营餐饮
market-vendors = 摊主
market-no-vendors = 摊主名单尚未公布。
market-subscribe = 订阅市集日历（.ics）
## The portal's market pages.
market-start-market = 用此预订开办市集
market-new-market = 开办市集
market-title-zh = 中文名称
market-title-en = 英文名称
market-theme = 主题
market-theme-hint = 如：夜市、春日市集、小吃街、手作市集
market-description-zh = 中文介绍
market-description-en = 英文介绍
market-slug = 网址（可选）
market-slug-hint = 小写字母、数字和连字符，如 moonlight-market；留空则自动生成
market-weekdays = 每周开市日
market-start-time = 开市时间
market-end-time = 收市时间
market-time-hint = 早于开市时间表示次日
market-first-date = 首个日期
market-weeks = 周数
market-within-booking = 所有日期须在已批准的预订时间内：
market-create = 开办市集
market-cancel-date = 取消这一场
market-add-dates = 增加日期
market-call = 摊主招募
market-call-open = 正在接受申请，截止于
market-call-closed = 当前不接受申请。
market-opens-at = 开始时间
market-closes-at = 截止时间
market-datetime-hint = 场地当地时间
market-save-call = 保存招募时间
market-plan = 摊位规划
market-classes = 摊位类型
market-classes-hint = 每行一种：名称 | 面积㎡ | 电 | 水 | 餐饮 | 每场费用（元），如 餐饮 | 9 | 是 | 是 | 是 | 300
market-stalls = 摊位
market-stalls-hint = 每行一个：编号 | 类型 | 列 | 行，如 A01 | 餐饮 | 0 | 0
market-save-plan = 保存摊位规划
market-applications = 摊主申请
market-no-applications = 暂无申请。
market-accept = 录取
market-waitlist = 候补
market-reject = 不录取
market-sells-food = 经营餐饮
market-permit-on-file = 食品经营许可已上传
market-permit-missing = 尚未上传食品经营许可
market-board = 摊位分配
market-choose-date = 选择日期
market-assign = 分配
market-unassign = 收回
market-no-candidates = 没有可分配的摊主
market-fees = 摊位费
market-fee = 费用
market-due = 待缴
market-paid = 已缴
market-waived = 已减免
market-mark-paid = 标记已缴
market-mark-waived = 减免
market-mark-due = 改回待缴
market-download-csv = 下载 CSV
market-total = 合计
market-open-calls = 正在招募摊主的市集
market-no-open-calls = 暂无正在招募的市集。
market-your-markets = 我的市集
market-your-applications = 我的摊位申请
market-apply = 申请摊位
market-category = 经营类别
market-category-hint = 如：小吃、饮品、手作、服饰
market-products = 主要商品
market-description = 介绍
market-preferred-class = 希望的摊位类型
market-any-class = 无偏好
market-dates-wanted = 希望参加的日期
market-dates-wanted-hint = 不勾选表示全部日期
market-send-application = 提交申请
market-offer = 有空出的摊位，请在此时间前确认：
market-accept-offer = 确认参加
market-decline-offer = 放弃
market-withdraw = 撤回申请
market-photos = 商品照片
market-permit = 食品经营许可证或营业执照
market-permit-hint = 经营餐饮的摊主须上传，主办方才能录取
market-your-stalls = 我的摊位
market-no-stalls = 尚未分配摊位。
market-public-page = 公开页面
market-manage = 管理
market-state = 状态
market-cancelled = 已取消

## Calls and the programme's numbers (src/pages/programme.rs)

programme-calls = 首发邀请函
programme-no-calls = 暂无邀请函。
programme-open-until = 接受申请至
programme-closed = 已截止
programme-venues = 开放秀场
programme-formats = 活动形式
programme-reaches = 首发级别
programme-period = 活动时间
programme-criteria = 评选标准
programme-how-to-apply = 品牌和主办方登录后，选择本邀请函开放的秀场与时间提交申请，或通过 API 提交。
programme-apply = 申请参加
programme-numbers = 年度数据
programme-events = 首发活动
programme-first-stores = 获奖首店
programme-markets = 市集
programme-market-dates = 开市场次
programme-vendors = 摊主
programme-footfall = 客流（已确认）
programme-by-reach = 按首发级别
programme-by-format = 按活动形式
programme-by-tier = 按首店级别

## An event's figures (src/portal/figures.rs)

figures-heading = 活动数据
figures-help = 活动结束后 14 天内填报，截止：
figures-footfall = 客流（人次）
figures-sales = 销售额（元）
figures-sales-hint = 如 128000 或 128000.50
figures-media-reach = 媒体曝光（人次）
figures-file = 提交数据
figures-confirmed = 商务局已确认。
figures-awaiting = 已提交，等待商务局确认。
figures-photos = 活动照片（最多四张）

## States, next steps and names (src/web/words.rs, src/pages/i18n.rs)

state-draft = 草稿
state-submitted = 已提交
state-changes-requested = 需修改
state-approved = 已批准
state-rejected = 已驳回
state-withdrawn = 已撤回
state-cancelled = 已取消
state-image-approved = 图片已批准
state-image-rejected = 图片未获批准

booking-next-draft = 草稿尚未提交：检查内容后提交审核。
booking-next-submitted = 审核人员正在审核，结果会通过邮件通知您。
booking-next-changes-requested = 审核人员请您修改：阅读留言，修改后重新提交。
booking-next-approved = 已批准：公开页面已上线，可以上传海报。
booking-next-approved-change-pending = 已批准；您申请的变更正在审核，批准前原方案有效。
booking-next-rejected = 未获批准。可以申请其他时间或秀场。
booking-next-withdrawn = 您已撤回此申请。
booking-next-cancelled = 活动已取消。

award-next-draft = 草稿尚未提交：上传证明材料后提交审核。
award-next-submitted = 审核人员正在核实门店和级别，结果会通过邮件通知您。
award-next-changes-requested = 审核人员请您补充材料：修改后重新提交。
award-next-approved = 已批准，奖励金额见下方。
award-next-rejected = 未获批准。

name-street = 步行街
name-hall = 客厅/展厅
name-stage = 舞台
name-mall = 商场
name-plaza = 广场
name-other = 其他
name-launch = 首发
name-show = 首秀
name-exhibition = 首展
name-market = 市集
name-global = 全球首发
name-asia = 亚洲首发
name-national = 全国首发
name-provincial = 全省首发
name-city = 全市首发

calendar-mon = 周一
calendar-tue = 周二
calendar-wed = 周三
calendar-thu = 周四
calendar-fri = 周五
calendar-sat = 周六
calendar-sun = 周日
calendar-jan = 1月
calendar-feb = 2月
calendar-mar = 3月
calendar-apr = 4月
calendar-may = 5月
calendar-jun = 6月
calendar-jul = 7月
calendar-aug = 8月
calendar-sep = 9月
calendar-oct = 10月
calendar-nov = 11月
calendar-dec = 12月
# A date: 2026年12月4日（周五）. Arguments: $year, $month (1-12), $month_name, $day, $weekday.
calendar-date = { $year }年{ $month }月{ $day }日（{ $weekday }）
# Between the items of a list (opening hours).
calendar-list-separator = 、
# Between a date and its time of day.
calendar-date-time-separator = {" "}

## A vendor's stall application state (src/portal/markets.rs)

stall-state-submitted = 已提交
stall-state-accepted = 已录取
stall-state-waitlisted = 候补中
stall-state-offered = 候补递补，待确认
stall-state-rejected = 未录取
stall-state-withdrawn = 已撤回
stall-state-declined = 已放弃
stall-state-lapsed = 递补已过期

## A first store's tier (src/portal/incentives.rs)

tier-global = 全球首店
tier-asia = 亚洲首店
tier-national = 全国首店
tier-provincial = 全省首店
tier-city = 全市首店

## E-mails. Each has a -subject and a -body; the body ends with a link to its page.

# A decision on a booking. $outcome: change-approved, change-refused or state ($state is the new state).
mail-booking-decision-subject = 档期申请 #{ $id }「{ $title }」：{ $outcome ->
        [change-approved] 您的变更已获批准
        [change-refused] 您的变更未获批准
       *[state] {$state}
    }
mail-booking-decision-body = { $outcome ->
        [change-approved] 您的变更已获批准。
        [change-refused] 您的变更未获批准。
       *[state] 您的档期申请「{ $title }」现在的状态：{ $state }。
    }{ $noted ->
        [yes] 审核人员留言：{ $note }
       *[no] {""}
    }

# A decision on a first-store award. $outcome: approved, clawed-back or state; $amount in 元 as ¥1,234.00.
mail-award-decision-subject = 首店奖励「{ $store }」：{ $outcome ->
        [approved] 已批准，奖励 { $amount }
        [clawed-back] 已追回 { $amount }
       *[state] { $state }
    }
mail-award-decision-body = { $outcome ->
        [approved] 您的首店奖励申请「{ $store }」已批准，奖励 { $amount }。
        [clawed-back] 首店奖励「{ $store }」已追回 { $amount }。
       *[state] 您的首店奖励申请「{ $store }」现在的状态：{ $state }。
    }{ $noted ->
        [yes] 审核人员留言：{ $note }
       *[no] {""}
    }

# A market date was cancelled; $when is the date and time as the market's venue reads it.
mail-market-date-cancelled-subject = { $market }：{ $when } 的市集取消
mail-market-date-cancelled-body = { $when } 的市集取消，您当天的摊位 { $stall } 不再使用。

# Vendors applied for stalls at an organizer's market.
mail-market-new-applications-subject = { $market }：有新的摊主申请
mail-market-new-applications-body = 有摊主申请「{ $market }」的摊位，请在市集页面审核。

# A vendor's stall application changed state; $deadline is when an offered place must be taken.
mail-stall-application-subject = { $market }：您的摊位申请{ $state ->
        [accepted] 已录取
        [waitlisted] 已进入候补
        [rejected] 未获录取
        [offered] 有空出的摊位
        [lapsed] 候补名额已过期
        [withdrawn] 已撤回
        [declined] 已放弃
       *[other] 已提交
    }
mail-stall-application-body = 您在「{ $market }」的摊位申请{ $state ->
        [accepted] 已录取。
        [waitlisted] 已进入候补。
        [rejected] 未获录取。
        [offered] 有了空出的摊位：请在 { $deadline } 前确认。
        [lapsed] 的候补名额已过期。
        [withdrawn] 已撤回。
        [declined] 已放弃。
       *[other] 已提交。
    }

# An invitation to join an organization, in the inviter's language.
mail-invitation-subject = { $inviter } 邀请您加入 Debut 上的「{ $organization }」
mail-invitation-body =
    打开以下链接（七天内有效）创建账户并加入「{ $organization }」：
    { $link }

mail-password-reset-subject = Debut 密码重置
mail-password-reset-body =
    请在一小时内打开以下链接设置新密码（仅可使用一次）：
    { $link }

    如果不是您本人操作，请忽略本邮件。

# A new staff account; sent in both languages, Chinese first.
mail-staff-invitation-subject = 您的 Debut 工作人员账户
mail-staff-invitation-body =
    请在七天内设置密码（链接仅可使用一次）：
    { $link }

# Confirm a subscription; $what is what it follows (e.g. 江心夜市 · 市集).
mail-subscription-confirm-subject = 请确认订阅 Debut 每周新活动
mail-subscription-confirm-body =
    您（或他人用您的地址）订阅了 Debut 的每周新活动邮件：{ $what }。

    请在七天内打开以下链接确认订阅：
    { $link }

    如果不是您本人操作，请忽略本邮件：未经确认，我们不会再给您发送任何邮件。

# The weekly digest: one section per subscription, then a footer.
mail-digest-subject = Debut 本周新活动：{ $count } 场（{ $names }）
mail-digest-name-separator = 、
mail-digest-section = 「{ $what }」有 { $count } 场新活动：
mail-digest-more-dates = （另有 { $count } 个日期）
# $unlisted: how many events the e-mail did not list.
mail-digest-all = { $unlisted ->
        [0] 全部活动：{ $link }
       *[other] ……另有 { $unlisted } 场：{ $link }
    }
mail-digest-unsubscribe-one = 退订这一项：{ $link }
mail-digest-footer = 您订阅了 Debut 每周新活动邮件。每项下方的链接可退订该项；邮件应用的“退订”按钮会退订发往此地址的全部每周邮件。

# Staff's daily digest of what waits for review.
mail-staff-digest-subject = Debut 每日待办：{ $bookings } 个档期申请、{ $changes } 个变更、{ $awards } 个首店奖励申请
mail-staff-digest-body =
    待审核：档期申请 { $bookings } 个，变更 { $changes } 个，首店奖励申请 { $awards } 个。
    { $link }

# To each staff member: an image added to an approved (public) booking awaits review.
mail-image-review-subject = 已批准的档期 #{ $booking } 新增了图片，等待审核
mail-image-review-body =
    申请方为已公开的档期 #{ $booking } 新增了图片。审核通过前，活动页仍使用原海报；请批准或驳回这张图片。
    { $link }

# To the applicant: staff did not approve an image added after approval.
mail-image-rejected-subject = 您为档期 #{ $booking } 新增的图片未获批准
mail-image-rejected-body = 工作人员移除了图片“{ $alt }”。{ $given ->
        [yes] 原因：{ $reason }
       *[no] {""}
    }

# After an event: please file its figures ($deadline is a date, 2027-03-26).
mail-figures-due-subject = 请填报「{ $title }」的活动数据
mail-figures-due-body = 活动已结束，请于 { $deadline } 前填报客流、销售额和媒体曝光，可附四张照片。
mail-figures-reminder-subject = 提醒：「{ $title }」的活动数据请于 { $deadline } 前填报
mail-figures-reminder-body = 活动已结束，请于 { $deadline } 前填报客流、销售额和媒体曝光，可附四张照片。

## The programme report (src/console/reports.rs)

report-title = 项目报告
report-debut-events = 首发活动
report-stores-awarded = 获奖首店
report-awarded = 奖励金额
report-clawed-back = 追回金额
report-markets-held = 市集
report-market-dates = 开市场次
report-vendors = 摊主
report-occupancy = 摊位使用率
report-footfall = 客流（已确认）
report-sales = 销售额（已确认）
report-media-reach = 媒体曝光（已确认）
report-confirmed = 已确认数据的活动
report-awaiting = 待确认
report-not-filed = 未填报数据的活动
report-by-reach = 按首发级别
report-by-format = 按活动形式
report-by-venue = 按秀场
report-by-month = 按月份
report-stores-by-tier = 首店（按级别，家数）
report-stores-by-mall = 首店（按商场，家数）
report-from = 起始日期
report-to-inclusive = 截止日期（含）
report-show = 查看
report-at-a-glance = 总览

## Smaller texts: typed words, posters, months, calendar files, maps

subscribe-typed-words = “{ $words }”
page-qr-caption = 扫码查看活动详情，加入日历
calendar-month-heading = { $year }年{ $month }月
feed-cancelled-title = [已取消] { $title }
ics-cancelled = 已取消：
portal-yes = 是
portal-no = 否
map-amap = 高德地图
map-baidu = 百度地图
map-osm = OpenStreetMap
# A subscription described without the words its visitor typed (the confirmation e-mail names no typed text).
subscribe-with-typed-words = { $what }（及所填关键词）

## What is wrong with an input (error.rs `Invalid`): `invalid-{code}`, said beside the field's label.

# Text written before codes existed, shown as it is.
invalid-text = { $text }
invalid-second-factor = 请输入身份验证器应用显示的 6 位验证码，或一个恢复码。
invalid-reauthenticate = 请先确认密码（或验证码）再继续。
invalid-required = 请填写此项。
invalid-too-long = 最多 { $max } 个字。
invalid-one-line = 请写成一行，不要换行或使用控制字符。
invalid-control-characters = 不能包含控制字符。
invalid-email = 请填写有效的邮箱地址，如 name@example.com。
invalid-slug = 请用 3 到 60 个小写英文字母、数字或中间的连字符（-）。
invalid-title-either = 请至少填写中文或英文标题。
invalid-amount-positive = 金额须大于 0。
# $max: the largest amount, as ¥50,000.00.
invalid-amount-max = 金额不能超过 { $max }。
invalid-years = 年份须在 1970 年到 9999 年之间。
# $typed: what the person typed.
invalid-time = “{ $typed }”不是有效的时间，请按 2026-12-04 19:00 的格式填写（场地当地时间）。
invalid-time-gap = { $typed } 在 { $zone } 因夏令时调整并不存在，请换一个时间。
invalid-after-opening = 须晚于开始时间。
invalid-not-a-mall = 所选地点不是商场或广场。
invalid-address-or-mall = 请填写门店地址，或选择所在商场。
invalid-fund-fixed = 申请不能换到其他资金；如需申请其他资金，请另行提交申请。
invalid-award-amount = 请填写奖励金额。
invalid-clawback-reason = 请填写追回原因。
invalid-amount-required = 请填写金额。
invalid-weekday-required = 请至少选择一个星期几。
invalid-weeks-range = 须在 1 到 52 周之间。
invalid-market-organizer-only = 市集由主办方举办，此档期不属于主办方。
invalid-market-format = 档期的活动形式须为“市集”。
invalid-dates-or-series = 请至少填写一个日期，或一组定期日期。
invalid-cursor = 翻页标记无效，请从第一页重新开始。
invalid-venue-required = 请至少选择一个秀场。
invalid-format-required = 请至少选择一种活动形式。
invalid-reach-required = 请至少选择一个首发级别。
invalid-after-period-start = 须晚于档期的开始日期。
invalid-utf8 = 须为 UTF-8 文本。
invalid-image-required = 请选择要上传的图片。
invalid-after-from = 截止日期须晚于起始日期。
invalid-at-least-one = 至少为 1。
invalid-cancel-reason = 请填写对外公布的取消原因。
invalid-stage-actions = 只有批准、驳回和要求修改可以暂存。
invalid-span-92-days = 一次最多查询 92 天。
invalid-totp-wrong = 不是身份验证器应用当前显示的验证码；请检查手机时间，再输入下一个验证码。
invalid-password-or-code = 请输入密码，或身份验证器应用中的验证码。
invalid-not-current-password = 与您当前的密码不符。
invalid-staff-role = 工作人员账户的角色须为工作人员或管理员。
invalid-unknown-venue = 不是本平台的秀场，请从列表中选择。
invalid-colour = 请填写颜色，如 #8c1d18。
invalid-language = 须为 zh 或 en。
invalid-local-page = 不是本站的页面。
invalid-month = 请按 2026-12 的格式填写月份。
invalid-out-of-range = 超出可用范围。
invalid-venue-slug = 不是有效的秀场地址。
invalid-whole-weeks = 须为整数周。
invalid-vendor-required = 请选择摊主。
invalid-week = 请按 2027-W11 的格式填写周。
invalid-award-action = 请选择批准、驳回、要求修改或追回。
invalid-group-bookings = 请指明这一组的档期申请。
invalid-choose-approved = 请选择要批准的申请。
invalid-booking-action = 请选择批准、驳回、要求修改或取消。
invalid-no-fund = 没有编号为 { $id } 的资金。
invalid-no-venue = 没有编号为 { $id } 的地点。
invalid-floor-area = 请填写大于 0、不超过 { $max } 的面积（平方米）。
invalid-investment = 投资额须在 0 到 { $max } 之间。
invalid-too-many-dates = 一个市集最多 { $max } 个日期。
invalid-too-many-stalls = 最多 { $max } 个摊位。
invalid-no-own-booking = 您的组织没有编号为 { $id } 的档期。
# $state: the booking's state as the API names it (submitted, draft…).
invalid-market-needs-approval = 市集需要一个已批准的档期，此档期尚未获批准。
invalid-no-stall-class = 此市集没有编号为 { $id } 的摊位类别。
invalid-class-no-food = 摊位类别“{ $class }”不允许经营食品。
invalid-not-a-stall = { $id } 不是此市集平面图中的摊位。
invalid-not-an-application = { $id } 不是此市集的申请。
invalid-date-not-applied = { $vendor } 没有申请这一天。
invalid-stall-no-food = { $vendor } 经营食品，而摊位 { $stall } 不允许经营食品。
invalid-limit = 须为 1 到 { $max } 之间的整数。
invalid-too-many-alternatives = 备选时段最多 { $max } 个。
invalid-too-many-windows = 开放时段最多 { $max } 个。
invalid-too-many-blackouts = 不可用日期最多 { $max } 个。
invalid-weekday = “{ $typed }”不是星期几；请用 mon、tue、wed、thu、fri、sat 或 sun。
invalid-clock-time = “{ $typed }”不是有效的时刻，请按 18:00 的格式填写。
invalid-date = “{ $typed }”不是有效的日期，请按 2026-12-04 的格式填写。
# $from and $to: the approved booking's start and end, in venue time.
invalid-outside-booking = { $every ->
        [yes] 每个日期都须在已批准档期的时间内（{ $from } 至 { $to }）。
       *[no] 须在已批准档期的时间内（{ $from } 至 { $to }）。
    }
invalid-alt-required = 请描述这张图片，供看不见图片的读者了解内容。
invalid-venue-choose = 请选择秀场。
invalid-fund-choose = 请选择资金。
invalid-whole-number = 请填写整数，如 300。
invalid-whole-minutes = 请填写整数分钟，如 30。
invalid-whole-square-metres = 请填写整数平方米，如 120。
invalid-yuan = 请填写金额（元），如 80万、800,000 或 800000.50。
invalid-password-short = 密码至少 { $min } 个字符。
invalid-venue-slug-length = 须为 2 到 64 个字符。
invalid-venue-slug-characters = 只能包含小写英文字母 a-z、数字和连字符（-）。
invalid-venue-slug-hyphens = 不能以连字符开头或结尾，也不能连用两个连字符。
invalid-venue-slug-letter = 须至少包含一个字母。
invalid-window-empty = 开始和结束时间相同，这个时段没有时长。
invalid-window-opens = 开始时间须早于 24:00。
invalid-between = 须在 { $min } 到 { $max } 之间。
invalid-stall-code = 请用 1 到 8 个字母、数字或连字符，如 A01。
invalid-date-or-instant = “{ $typed }”不是有效的日期，请按 2026-12-01 的格式填写。
invalid-threshold-above-cap = 不能超过最高级别的奖励上限 { $cap }，否则有的奖励无需第二人确认。
invalid-threshold-below-floor = 不能低于 { $floor }。
invalid-finite = 须为有效的数字。

## Why a request cannot be done as things stand (error.rs `Reason`, a 409): `conflict-{code}`.

# A sentence written before codes existed, said as it is.
forbidden-text = { $text }
# $action: the action's code (approve, withdraw, …).
forbidden-staff-only-booking = 这一步只能由商务局工作人员操作。
forbidden-applicant-only-booking = 这一步只能由申请方操作。
forbidden-staff-only-application = 这一步只能由商务局工作人员操作。
forbidden-applicant-only-application = 这一步只能由申请方操作。
forbidden-brands-only-awards = 只有品牌可以申请首店奖励。
forbidden-brands-only-bookings = 只有品牌和主办方可以申请秀场档期。
forbidden-applicant-only-edit = 只有申请方可以修改。
forbidden-staff-only = 只有商务局工作人员可以这样操作。
forbidden-admins-only = 只有管理员可以这样操作。
forbidden-no-organization = 您的账户不属于任何机构。
forbidden-vendors-only-stalls = 只有摊主机构可以申请摊位。
forbidden-organizer-only-market = 只有市集主办方或商务局工作人员可以这样操作。
forbidden-owners-only-members = 只有机构负责人可以邀请或移除成员。
forbidden-invitation-other-address = 这份邀请发给的是另一个邮箱地址。
forbidden-members-only-logo = 只有机构成员可以更换标志。
forbidden-applicant-only-images = 只有申请方可以更改档期申请的图片。
forbidden-applicant-only-evidence = 只有申请方可以更改申请的证明材料。
forbidden-vendor-only-images = 只有摊主可以更改申请的图片。
forbidden-staff-only-figures = 只有商务局工作人员可以确认活动数据。
forbidden-staff-only-notes = 只有工作人员可以写内部备注。
forbidden-members-only-rename = 只有机构成员可以修改机构名称。
forbidden-organizer-only-application = 这一步只能由市集主办方操作。
forbidden-vendor-only-application = 这一步只能由摊主操作。
forbidden-four-eyes-self = 这是您提议的，须由另一位工作人员确认（双人复核）。
forbidden-figures-photos = 只有活动的主办机构或工作人员可以更改这些照片。
forbidden-enrol-second-factor = 您的角色须使用两步验证登录，但尚未设置：请先在网页（/login）登录一次完成设置，再用验证码在这里登录。
conflict-text = { $text }
conflict-stall-application-not-now = 这份摊位申请的状态已经变了，不能执行这一步。请刷新页面查看最新状态。
# $state: the record's state code; $state_zh: its Chinese label; $done: the English past tense.
conflict-booking-not-now = 这份档期申请现在是“{ $state_zh }”，不能执行这一步。请刷新页面查看最新状态。
conflict-application-not-now = 这份申请现在是“{ $state_zh }”，不能执行这一步。请刷新页面查看最新状态。
conflict-application-not-editable = 这份申请现在是“{ $state_zh }”，不能再修改。
# $award, $remaining: amounts as shown, ¥80,000.00.
conflict-fund-exceeded = 奖励 { $award } 超过了基金余额 { $remaining }。
# $kind: award or clawback; $amount: as shown; $name: who proposed it; $id: the proposal.
conflict-awaiting-second = { $name } 提议的{ $kind ->
        [clawback] 追回
       *[award] 奖励
    } { $amount } 正等待另一位工作人员确认（提议 { $id }），请先确认或驳回它。
conflict-proposal-pending = 这份申请已有一项奖励或追回在等待第二人确认。
conflict-proposal-decided = 这项提议刚刚已被处理，请刷新页面。
conflict-date-cancelled = 这个日期已经取消。
conflict-plan-food = 这样修改会让经营食品的摊主留在不允许经营食品的摊位上。
conflict-call-closed = 摊主招募已截止。
conflict-call-not-open = 主办方尚未开放此市集的摊主招募。
conflict-applied-already = 您的组织已经申请过这个市集。
conflict-food-permit = 这位摊主经营食品：须先上传食品经营许可证图片，才能录取。
conflict-application-changed = 这份申请刚刚有了变化，请刷新后重试。
conflict-board-changed = 摊位、日期或摊主刚刚有了变化，请刷新分配表。
conflict-vendor-withdrew = 这位摊主刚刚撤回了申请。
conflict-fee-paid = 这个摊位的费用已支付；请先改回待支付，再取消分配。
conflict-event-not-ended = 活动尚未结束，请在结束后填报数据。
conflict-figures-confirmed = 商务局已确认这些数据；如有错误，请联系商务局更正。
conflict-figures-missing = 这场活动尚未填报数据。
conflict-remove-self = 您不能移除自己；可以请另一位所有者操作。
conflict-invitation-answered = 这份邀请刚刚已被处理。
conflict-second-factor-on = 两步验证已经开启；如需更换，请先关闭。
conflict-second-factor-start = 请先开始设置两步验证（扫描二维码），再确认。
conflict-second-factor-changed = 两步验证刚刚有了变化，请刷新后重新开始。
conflict-second-factor-first = 请先设置两步验证，恢复码会随之生成。
conflict-second-factor-off = 尚未设置两步验证。
conflict-email-taken = 这个邮箱已有账户，请直接登录。
conflict-own-session = 这是您正在使用的会话；如需结束，请退出登录。
conflict-disable-self = 您不能停用自己的账户；可以请另一位管理员操作。
conflict-no-dates = 这个市集没有会举行的日期。
conflict-market-taken = 档期 #{ $booking } 已有市集，或网址 /markets/{ $slug } 已被占用；请换一个网址。
conflict-stall-assigned = 摊位 { $stall } 已分配给摊主；请先取消分配，再从平面图中移除。
conflict-stall-food-vendor = 摊位 { $stall } 已分配给经营食品的摊主，其类别须继续允许经营食品。
conflict-call-opens = 摊主招募将于 { $at } 开放。
conflict-not-accepted = 只有已录取的摊主才能分配摊位，这份申请尚未录取。
conflict-stall-taken = 摊位 { $stall } 当天已被占用，或 { $vendor } 当天已有摊位。
conflict-call-slug-taken = 网址 /calls/{ $slug } 已被占用，请换一个。
conflict-images-full = 这里最多 { $max } 张图片，请先删除一张。
conflict-image-not-waiting = 图片 #{ $image } 不在等待审核。
invalid-venue-archived = 这个秀场已停用，不再接受预订。
invalid-in-the-future = 开始时间须晚于现在。
invalid-end-after-start = 结束时间须晚于开始时间。
invalid-too-long-booking = 一次预订最长 { $hours } 小时。
invalid-no-opening-hours = 这个秀场尚未设置开放时间，暂不接受预订。
# $hours_zh: the venue's opening hours, 周一 10:00–22:00、周二 …; $zone: Asia/Shanghai.
invalid-outside-opening-hours = 活动须在开放时间内（{ $zone }）：{ $hours_zh }。
# $from, $to: venue time, 2026-12-04 19:00; $reason: what staff wrote.
invalid-venue-closed = 秀场在 { $from } 至 { $to } 不开放（{ $reason }），含布展和撤展时间。
invalid-over-capacity = 超过秀场容量 { $capacity } 人。
invalid-image-empty = 文件是空的，请重新选择图片。
invalid-image-format = 这不是 JPEG、PNG 或 WebP 图片，请换一张。
invalid-image-pixels = 图片为 { $width }×{ $height } 像素，最多接受 { $max } 百万像素；请缩小后再上传。
invalid-image-corrupt = 图片数据不完整或已损坏，请重新导出后再上传。
# A value outside a fixed list; $allowed lists the values a program may send.
invalid-one-of = 请从列表中选择（收到的是“{ $typed }”）。
invalid-too-many-classes = 最多 { $max } 个摊位类别。
invalid-named-twice = “{ $name }”重复了，请换一个名称。
invalid-not-a-class = “{ $class }”不是平面图中的摊位类别。
invalid-plan-no-classes = 平面图还没有摊位类别，请先添加类别。
invalid-outside-grid = 超出平面图网格（0 到 { $max }）。
invalid-used-twice = { $code } 重复使用了。
invalid-not-a-market-date = 这一天不是本市集的日期。
invalid-not-negative = 不能为负数。
invalid-beyond-belief = { $value } 超出合理范围，最多 { $max }。
