# The word catalogue, en. Keys match zh-CN.ftl one for one.

## The signed-in areas: sign-in, the portal, shared form words (src/web/words.rs)

portal-site = Debut
portal-skip = Skip to content
portal-switch-label = 中文
portal-sign-in = Sign in
portal-sign-out = Sign out
portal-register = Register
portal-portal = My applications
portal-public-site = Events
portal-account = Account
portal-error-summary = There is a problem
portal-email = E-mail
portal-password = Password
portal-password-hint = At least 10 characters.
portal-current-password = Current password
portal-new-password = New password
portal-forgot-password = Forgot your password?
portal-no-account = No account yet?
portal-have-account = Have an account?
portal-wrong-login = The e-mail or password is wrong.
portal-too-many-logins = Too many failed sign-ins; please try again later.
portal-organization-kind = Your organization is a
portal-kind-brand = Brand
portal-kind-brand-hint = Applies for debut slots and first-store awards.
portal-kind-organizer = Organizer
portal-kind-organizer-hint = Runs markets and seasons.
portal-kind-vendor = Vendor
portal-kind-vendor-hint = Applies for market stalls.
portal-organization-name = Organization name
portal-display-name = Your name
portal-create-account = Create account
portal-email-taken = This e-mail already has an account: sign in, or reset the password.
portal-forgot-title = Reset your password
portal-forgot-help = Enter your account's e-mail; we send a link that works for an hour.
portal-send-reset-link = Send reset link
portal-reset-sent = If that address has an account, a reset link is on its way.
portal-reset-title = Choose a new password
portal-reset-dead = This link is unknown, used or expired; ask for a new one.
portal-set-password = Set password
portal-password-set = Your new password is set; please sign in.
portal-change-password = Change password
portal-password-changed = Password changed; your other sessions were signed out.
portal-language = Language of notifications
portal-save = Save
portal-field-message = { $label }: { $message }
portal-required = required
portal-welcome = Welcome
portal-next-step = Your next step
portal-bookings = Bookings
portal-apply-for-slot = Apply for a slot
portal-no-bookings = Debut helps brands hold their first launch, show or exhibition in the district's showcase venues. Start by applying for a slot.
portal-open = Open
portal-public-page = Public page
portal-state = State
portal-venue = Venue
portal-when = When
portal-choose-venue = 1 Choose a venue
portal-core-showcases = Core showcases: one street, one hall, one stage
portal-main-showcases = Main showcases: malls
portal-other-venues = Other venues
portal-capacity = Capacity
portal-indoor = Indoor
portal-outdoor = Outdoor
portal-choose-time = 2 Choose a time
portal-venue-time = Times are the venue's local time
portal-previous-week = Previous week
portal-next-week = Next week
portal-free = free
portal-busy = busy
portal-closed = closed
portal-pick-hint = Pick a free block to fill in the start and end, or type them below.
portal-details = 3 Tell us about the event
portal-title-zh = Title in Chinese
portal-title-en = Title in English
portal-title-hint = Give at least one of the two.
portal-description-zh = Description in Chinese
portal-description-en = Description in English
portal-format = Format
portal-reach = Reach
portal-brand-name = Brand or product that debuts
portal-brand-name-hint = The name the public sees.
portal-expected-attendance = Expected attendance
portal-starts-at = Starts
portal-ends-at = Ends
portal-time-hint = Venue time; may run past midnight.
portal-setup-minutes = Setup (minutes)
portal-teardown-minutes = Teardown (minutes)
portal-minutes-hint = Leave empty for the venue's usual time.
portal-contact-name = Contact person
portal-contact-email = Contact e-mail
portal-contact-phone = Contact phone
portal-save-draft = Save draft
portal-submit-for-review = Submit for review
portal-submit-anyway = Submit anyway
portal-withdraw = Withdraw
portal-edit = Edit
portal-request-change = Request a change
portal-clash-title = This time is taken
portal-clash-text = It overlaps another booking (with setup and teardown). Free slots nearby:
portal-suggestions = Free slots
portal-use-slot = Use this slot
portal-at-other-venue = another venue
portal-timeline = Timeline
portal-comments = Comments
portal-no-comments = No comments yet.
portal-comment = Write to the reviewers
portal-send = Send
portal-staff = Reviewer
portal-images = Images
portal-poster = Poster
# An image added after approval, not public until staff approve it.
portal-awaiting-review = Awaiting staff review; public once approved
portal-image-file = Image file (JPEG, PNG or WebP)
portal-image-alt = What the image shows (for screen readers)
portal-upload = Upload
portal-remove = Remove
portal-no-images = No images yet. The first image is the poster.
portal-pending-change = Change waiting for review
portal-cancel-reason = Why it was cancelled
portal-saved = Saved.
portal-submitted-note = Submitted for review.
portal-withdrawn-note = Withdrawn.
portal-commented-note = Your comment is posted.
portal-removed-note = Removed.
portal-calendar-feed = My calendar feed
portal-calendar-feed-help = Subscribe in your calendar app to all your bookings (pending ones show as tentative). The link is private: renew it if it leaks.
portal-renew = Renew link
portal-revoke = Turn off
portal-create-feed = Create a feed link
portal-organization = Organization
portal-rename = Rename
portal-logo = Logo
portal-no-logo = No logo yet.
portal-members = Members
portal-owner = owner
portal-member = member
portal-you = (you)
portal-invite = Invite a colleague
portal-invite-help = The link goes to that address alone and works for seven days.
portal-send-invitation = Send invitation
portal-invited = Invitation sent.
portal-pending-invitations = Pending invitations
portal-expires = expires
portal-withdraw-invitation = Withdraw
portal-join = Join
portal-join-help = Create your account to join.
portal-invitation-dead = This invitation is unknown, used, withdrawn or expired; ask for a new one.
portal-invitation-other-account = This invitation is for another e-mail address. Sign out first.
portal-removed = Removed.
portal-awards = First-store awards
portal-apply-for-award = Apply for an award
portal-no-awards = Brands that open a first store in one of the district's malls can apply for an award.
portal-fund = Fund
portal-no-open-fund = No fund takes applications right now.
portal-store-name = Store name
portal-mall = Mall
portal-no-mall = Not in a mall
portal-address = Store address
portal-address-hint = Needed when the store is not in a mall.
portal-tier = First-store tier
portal-cap = cap
portal-opening-date = Opening date
portal-floor-area = Floor area (m²)
portal-investment = Investment (CNY)
portal-requested = Amount requested (CNY)
portal-money-hint = In yuan, up to two decimals, e.g. 800000 or 800000.50.
portal-statement = Statement
portal-evidence = Evidence
portal-evidence-help = Photos of the open store, licences: what the office verifies by.
portal-award = Award
portal-clawed-back = Clawed back
portal-alternatives = Other times that would work (optional)
portal-alternative = Alternative
portal-console = Console
portal-queue = Review queue
portal-timeline-nav = Timeline
portal-venues-nav = Venues
portal-markets-nav = Markets
portal-reports-nav = Reports
portal-staff-nav = Staff
portal-refused-title = This form could not be sent
portal-form-expired = This form has expired or did not come from a Debut page. Go back, reload the page and send it again.
portal-too-large-title = Too much to send
portal-too-large = This form sends more than it may. Shorten the longest texts (such as the description) and send it again; add images with the page's upload buttons.
portal-form-unreadable = This form could not be read. Go back, reload the page and send it again.
portal-too-many-title = Please wait a moment
portal-wait = Too many attempts; please try again in { $seconds ->
        [one] one second.
       *[other] { $seconds } seconds.
    }
portal-go-back = Go back
portal-home = Home
portal-not-found-title = Page not found
portal-not-found = There is no page at this address: the link may be mistyped, or what it showed was removed. Check the address, or start again from the home page.
portal-forbidden-title = Not allowed
portal-forbidden = Your account may not see or change this. Sign in with an account that may.
portal-gone-title = No longer here
portal-gone = This was removed or cancelled and is no longer offered.
portal-unavailable-title = Back in a moment
portal-unavailable = The service cannot read its data right now; please reload in a minute. Event pages already seen are still served.
portal-broken-title = Something went wrong
portal-broken = Something went wrong on our side; it has been logged. Please try again later.
portal-bad-request-title = This request could not be handled
portal-bad-request = The request was incomplete or malformed. Go back and try again.

## The staff console (src/console/words.rs)

console-no-changes = No change requests wait for review.
console-no-awards = No award applications wait for review.
# The console's first line: what waits for review, each count with its name.
console-waiting-summary = Waiting: { $bookings ->
        [one] 1 booking
       *[other] { $bookings } bookings
    } · { $changes ->
        [one] 1 change request
       *[other] { $changes } change requests
    } · { $awards ->
        [one] 1 award application
       *[other] { $awards } award applications
    }
console-submitted-bookings = Submitted bookings
console-change-requests = Change requests
console-award-applications = Award applications
console-oldest-first = oldest first
# How long something has waited, in whole days.
console-age = { $days ->
        [0] today
        [1] yesterday
       *[other] { $days } days ago
    }
console-this-week = This week's events
console-no-events = No events this week.
console-funds = Funds
console-remaining = remaining
console-budget = budget
console-committed = committed
console-outbox-problems = Messages that keep failing
console-outbox-ok = Every message was delivered.
console-subscribers = Confirmed subscribers to the weekly e-mail
console-filter = Filter
console-any = any
console-venue = Venue
console-format = Format
console-reach = Reach
console-from = From
console-to = To
console-clash-group = Clash group
console-decide-group = Decide group
console-clashes-with = Clashes with
console-no-clash = no clash
console-empty-queue = The queue is empty.
console-release = Release
console-staged = staged decisions
console-applicant = Applicant
console-attendance = attendance
console-submitted = submitted
console-approve = Approve
console-reject = Reject
console-request-changes = Ask for changes
console-cancel = Cancel the event
console-stage = Stage decision
console-note = Note to the applicant
console-note-hint = The applicant reads this; for a cancellation it is the public reason.
console-internal-note = Internal note (the applicant never sees it)
console-internal = internal
console-history = History
console-comments = Comments
console-send = Send
console-approve-this = Approve this one
console-others = The others
console-group-help = Requests for overlapping time at one venue. Choose the one to approve; the others are rejected or sent back in the same action, each with a message you can edit.
console-group-message-reject = Another event was approved for this time. Thank you for applying; another time or venue is welcome.
console-group-message-changes = Another event was approved for this time; please choose another time and submit again.
console-decide = Decide
console-released = Staged decisions released.
console-decided = Decided.
console-week = Week
console-month = Month
console-legend = Legend
console-approved-block = ■ approved
console-pending-block = ▨ pending
console-blackout-block = ✕ blackout
console-buffer-note = In brackets: the time taken with setup and teardown.
console-previous = Previous
console-next = Next
console-core = Core showcases
console-malls = Malls
console-others-tier = Others
console-by-tier = By tier
console-by-mall = By mall
console-applications = Applications
console-duplicates = possible duplicates
console-amount = Award (CNY)
console-amount-hint = cap
console-claw-back = Claw back
console-export = Export
console-open-booking = Open
console-venues = Venues
console-new-venue = New venue
console-slug = Slug
console-slug-hint = Lower-case letters, digits and hyphens, e.g. wuma-street.
console-name-zh = Name in Chinese
console-name-en = Name in English
console-latitude = Latitude
console-longitude = Longitude
console-coordinates-hint = WGS-84 coordinates.
console-zone = Time zone
console-kind = Kind
console-tier = Showcase tier
console-indoor = Indoor
console-description = Description
console-hours = Opening hours
console-hours-hint = One window a line: a day (mon…sun) and venue times, e.g. fri 18:00-02:00; an end before the start runs past midnight; a day may have several windows; a day without one is closed.
console-opens = Opens
console-closes = Closes
console-blackouts = Blackouts
console-blackouts-hint = One a line: start | end | reason, in venue time, e.g. 2027-02-10T00:00 | 2027-02-12T00:00 | Spring Festival
console-photos = Photos
console-archive = Archive
console-archived = archived
console-save = Save
console-staff-accounts = Staff accounts
console-awaiting-confirmation = Awaits a second pair of eyes
console-proposed-by = proposed by
console-confirm-award = Confirm
console-decline-award = Decline
console-withdraw-award = Withdraw
console-needs-colleague = Another staff member must confirm it.
console-four-eyes-threshold = Four-eyes threshold
console-awaiting-list = Awards and clawbacks awaiting a second pair of eyes
console-second-factor = two-step sign-in
console-second-factor-missing = no two-step sign-in
console-reset-second-factor = Reset two-step sign-in
console-end-sessions = End all sessions
console-second-factor-policy = Who must use two-step sign-in
console-policy-admins = Admins only (default)
console-policy-staff = Every staff member and admin
console-admin = admin
console-staff-role = staff
console-disabled = disabled
console-disable = Disable
console-enable = Re-enable
console-send-reset = Send a password reset
console-invite-staff = Add a staff member
console-digest = Daily digest e-mail
console-digest-help = One e-mail a day after 08:00 with what waits for review.
console-digest-on = Turn on
console-digest-off = Turn off
console-digest-is-on = On.
console-digest-is-off = Off.
console-images-awaiting = Images awaiting review
console-images-awaiting-hint = Added after the booking was approved: public only once approved (the first is the poster); rejected ones are removed and the applicant told.

## The public pages (src/pages/i18n.rs)

page-site = Debut
page-tagline = Launches, shows, exhibitions and markets in the district's showcase venues
page-nav-events = Events
page-nav-venues = Venues
page-nav-markets = Markets
page-nav-calls = Calls
page-nav-sign-in = Sign in
page-nav-register = Register
page-switch-label = 中文
page-skip = Skip to content
page-upcoming = Coming up (next 30 days)
page-filter = Filter
page-venue = Venue
page-kind = Venue kind
page-format = Format
page-reach = Debut reach
page-from = From
page-any = Any
page-apply = Apply
page-subscribe = Subscribe to this view
page-subscribe-help = Add it to your calendar app; changes and cancellations update by themselves.
page-https-feed = iCal link
page-rss = RSS
page-by-email = New events by e-mail, weekly
page-no-events = No events match.
page-cancelled = Cancelled
page-rescheduled = Rescheduled
page-previously = Previously
page-reason = Reason
page-when = When
page-where- = Where
page-brand = Brand
page-add-to-calendar = Add to calendar
page-download-ics = Download .ics
page-venue-feed = Subscribe to this venue
page-print-poster = Printable poster with a QR code
page-capacity = Capacity
page-people = people
page-hours = Opening hours
page-closed = closed
page-indoor = Indoor
page-outdoor = Outdoor
page-upcoming-here = Coming up here
page-all-events = All events
page-list-view = List
page-month-view = Month
page-previous-month = Previous month
page-next-month = Next month
page-more = More
page-photos = Photos

## E-mail subscriptions (src/subscriptions/words.rs)

subscribe-title = New events by e-mail, weekly
subscribe-intro = Every Thursday morning we e-mail you the events announced that week: for one venue, one kind of venue, markets only, or everything.
subscribe-email-hint = Used only to send the confirmation and the weekly e-mail; never shown.
subscribe-language = Language of the e-mail
subscribe-follows = Follow
subscribe-follows-hint = Leave empty for every event.
subscribe-venue-kind = Kind of venue
subscribe-any = Any
subscribe-markets-only = Markets only
subscribe-also = Also filtered by
subscribe-submit = Subscribe
subscribe-privacy = We send a confirmation e-mail first and nothing else until you confirm. Every e-mail unsubscribes in one click.
subscribe-every-event = every event
subscribe-filter-gone = a filter we no longer offer
subscribe-sent-title = Check your inbox
subscribe-sent-body = If this address can subscribe, we have sent it a confirmation link (it works for seven days). The weekly e-mail starts once you open it and confirm. Nothing arrived? Look in the spam folder, or try again in an hour.
subscribe-confirm-title = Confirm your subscription
subscribe-confirm-body = Once confirmed, you get an e-mail of new events every Thursday for:
subscribe-confirm-button = Confirm
subscribe-link-dead = This confirmation link has expired or was used already. Subscribe again to get a new one.
subscribe-subscribe-again = Subscribe again
subscribe-page-title = Your subscription
subscribe-status = Status
subscribe-pending = Waiting for confirmation
subscribe-active = Subscribed: sent every Thursday
subscribe-ended = Unsubscribed
subscribe-confirmed-notice = Your subscription is confirmed. Every e-mail links to this page, where you can unsubscribe at any time.
subscribe-unsubscribe-button = Unsubscribe
subscribe-unsubscribe-help = After this, we send nothing more for this subscription.
subscribe-unsubscribe-every-help = This ends every weekly e-mail to this address.
subscribe-unsubscribed-notice = You are unsubscribed.
subscribe-no-such = There is no such subscription: the link may be wrong, or it ended long ago.
subscribe-see-events = See these events

## Second factor, re-confirmation, sessions (src/web/security.rs)

security-code-title = Enter your code
security-code-help = Open your authenticator app and enter the 6-digit code it shows for Debut. Without your phone, enter an unused recovery code.
security-code = Code
security-code-hint = 6 digits, or a recovery code like abcde-23456
security-verify = Verify
security-wrong-code = The code is wrong, expired or used already; enter the code your app shows now.
security-expired = This sign-in has expired; sign in with your password again.
security-setup-title = Set up two-step sign-in
security-setup-required = Your role signs in with a second step. Set it up to go on.
security-setup-steps = Scan the QR code with an authenticator app (Microsoft Authenticator, Google Authenticator, Tencent Authenticator or another), or type the key in, then enter the first code the app shows.
security-secret-label = Key (to type in)
security-qr-alt = QR code to add to an authenticator app
security-first-code = Code from the app
security-turn-on = Turn on two-step sign-in
security-codes-title = Recovery codes
security-codes-help = Keep these codes somewhere safe (print them). If you lose your phone, each one works once in place of a code. They are shown only this once.
security-go-on = Continue
security-confirm-title = Confirm your password
security-confirm-help = You signed in more than 15 minutes ago. Enter your password or a code again before this sensitive action.
security-or-code = or a code
security-confirm = Confirm
security-two-factor = Two-step sign-in
security-two-factor-on = On since
security-two-factor-off = Off. Once on, signing in takes a code from an app on your phone as well as your password.
security-two-factor-required = Your role must use it; to move to a new phone, ask an admin to reset it.
security-codes-left = Recovery codes left
security-set-up = Set up two-step sign-in
security-new-codes = New recovery codes
security-turn-off = Turn off two-step sign-in
security-sessions = Sessions and tokens
security-this-session = This session
security-opened = Signed in
security-last-used = Last used
security-end = End
security-end-others = End all other sessions

## Market pages (src/pages/markets.rs)

market-heading = Markets
market-none = No markets yet.
market-run-by = Run by
market-dates = Dates
market-date-count = dates
market-stall-map = Stall map
market-no-plan = The stall map is not out yet.
market-stall = Stall
market-class = Class
market-vendor = Vendor
market-free = Free
market-food = food allowed
market-vendors = Vendors
market-no-vendors = The vendors are not announced yet.
market-subscribe = Subscribe to the market's dates (.ics)
## The portal's market pages.
market-start-market = Start a market on this booking
market-new-market = Start a market
market-title-zh = Title in Chinese
market-title-en = Title in English
market-theme = Theme
market-theme-hint = For example night market, spring market, snack street, craft fair
market-description-zh = Description in Chinese
market-description-en = Description in English
market-slug = Web address (optional)
market-slug-hint = Lower-case letters, digits and hyphens, like moonlight-market; made for you when empty
market-weekdays = Weekdays
market-start-time = Opens at
market-end-time = Closes at
market-time-hint = Earlier than opening means the next day
market-first-date = First date
market-weeks = Weeks
market-within-booking = Every date must lie within the approved booking:
market-create = Start the market
market-cancel-date = Cancel this date
market-add-dates = Add dates
market-call = Vendor call
market-call-open = Taking applications until
market-call-closed = Not taking applications now.
market-opens-at = Opens at
market-closes-at = Closes at
market-datetime-hint = Venue time
market-save-call = Save the call's window
market-plan = Stall plan
market-classes = Stall classes
market-classes-hint = One per line: name | m² | power | water | food | fee per date in yuan, e.g. Food | 9 | yes | yes | yes | 300
market-stalls = Stalls
market-stalls-hint = One per line: code | class | column | row, e.g. A01 | Food | 0 | 0
market-save-plan = Save the plan
market-applications = Applications
market-no-applications = No applications yet.
market-accept = Accept
market-waitlist = Waitlist
market-reject = Reject
market-sells-food = Sells food
market-permit-on-file = Food permit on file
market-permit-missing = No food permit yet
market-board = Stall allocation
market-choose-date = Choose a date
market-assign = Assign
market-unassign = Take back
market-no-candidates = No vendor can take this stall
market-fees = Fees
market-fee = Fee
market-due = due
market-paid = paid
market-waived = waived
market-mark-paid = Mark paid
market-mark-waived = Waive
market-mark-due = Mark due
market-download-csv = Download CSV
market-total = Total
market-open-calls = Markets taking vendor applications
market-no-open-calls = No market is taking applications now.
market-your-markets = Your markets
market-your-applications = Your stall applications
market-apply = Apply for a stall
market-category = Category
market-category-hint = For example snacks, drinks, crafts, fashion
market-products = Products
market-description = Description
market-preferred-class = Preferred stall class
market-any-class = No preference
market-dates-wanted = Dates wanted
market-dates-wanted-hint = None ticked means every date
market-send-application = Send the application
market-offer = A place is free for you; take it by
market-accept-offer = Take the place
market-decline-offer = Decline
market-withdraw = Withdraw
market-photos = Photos
market-permit = Food permit or licence
market-permit-hint = Food vendors need one before the organizer can accept them
market-your-stalls = Your stalls
market-no-stalls = No stall assigned yet.
market-public-page = Public page
market-manage = Manage
market-state = State
market-cancelled = Cancelled

## Calls and the programme's numbers (src/pages/programme.rs)

programme-calls = Calls for debuts
programme-no-calls = No calls yet.
programme-open-until = Open for applications until
programme-closed = Closed
programme-venues = Venues offered
programme-formats = Formats
programme-reaches = Debut reach
programme-period = Dates
programme-criteria = Criteria
programme-how-to-apply = Brands and organizers sign in and apply for a slot at one of these venues in this period, or apply through the API.
programme-apply = Apply
programme-numbers = The year in numbers
programme-events = Debut events
programme-first-stores = First stores awarded
programme-markets = Markets
programme-market-dates = Market nights
programme-vendors = Vendors
programme-footfall = Footfall (confirmed)
programme-by-reach = By reach
programme-by-format = By format
programme-by-tier = By first-store tier

## An event's figures (src/portal/figures.rs)

figures-heading = The event's figures
figures-help = Due within 14 days of the event's end, by
figures-footfall = Footfall (visitors)
figures-sales = Sales (yuan)
figures-sales-hint = Like 128000 or 128000.50
figures-media-reach = Media reach (people)
figures-file = File the figures
figures-confirmed = Confirmed by the commerce office.
figures-awaiting = Filed; the commerce office has still to confirm them.
figures-photos = Photos of the event (up to four)

## States, next steps and names (src/web/words.rs, src/pages/i18n.rs)

state-draft = draft
state-submitted = submitted
state-changes-requested = changes requested
state-approved = approved
state-rejected = rejected
state-withdrawn = withdrawn
state-cancelled = cancelled
state-image-approved = image approved
state-image-rejected = image rejected

booking-next-draft = This draft is not submitted yet: check it, then submit it for review.
booking-next-submitted = The office is reviewing it; you will hear by e-mail.
booking-next-changes-requested = The office asks for changes: read the comments, edit, and submit again.
booking-next-approved = Approved: the public page is live; upload a poster for it.
booking-next-approved-change-pending = Approved; your change is under review, and the approved version holds until then.
booking-next-rejected = Not approved. You can apply for another time or venue.
booking-next-withdrawn = You withdrew this application.
booking-next-cancelled = The event was cancelled.

award-next-draft = This draft is not submitted yet: add your evidence, then submit it.
award-next-submitted = The office is verifying the store and its tier; you will hear by e-mail.
award-next-changes-requested = The office asks for more: add it and submit again.
award-next-approved = Approved; the award is below.
award-next-rejected = Not approved.

name-street = Street
name-hall = Hall
name-stage = Stage
name-mall = Mall
name-plaza = Plaza
name-other = Other
name-launch = Launch
name-show = Show
name-exhibition = Exhibition
name-market = Market
name-global = Global first
name-asia = First in Asia
name-national = First in China
name-provincial = First in the province
name-city = First in the city

calendar-mon = Mon
calendar-tue = Tue
calendar-wed = Wed
calendar-thu = Thu
calendar-fri = Fri
calendar-sat = Sat
calendar-sun = Sun
calendar-jan = Jan
calendar-feb = Feb
calendar-mar = Mar
calendar-apr = Apr
calendar-may = May
calendar-jun = Jun
calendar-jul = Jul
calendar-aug = Aug
calendar-sep = Sep
calendar-oct = Oct
calendar-nov = Nov
calendar-dec = Dec
# A date: Fri 4 Dec 2026. Arguments: $year, $month (1-12), $month_name, $day, $weekday.
calendar-date = { $weekday } { $day } { $month_name } { $year }
# Between the items of a list (opening hours).
calendar-list-separator = {", "}
# Between a date and its time of day.
calendar-date-time-separator = {", "}

## A vendor's stall application state (src/portal/markets.rs)

stall-state-submitted = submitted
stall-state-accepted = accepted
stall-state-waitlisted = on the waitlist
stall-state-offered = offered a place
stall-state-rejected = not accepted
stall-state-withdrawn = withdrawn
stall-state-declined = declined
stall-state-lapsed = offer lapsed

## A first store's tier (src/portal/incentives.rs)

tier-global = first in the world
tier-asia = first in Asia
tier-national = first in China
tier-provincial = first in the province
tier-city = first in the city

## E-mails. Each has a -subject and a -body; the body ends with a link to its page.

# A decision on a booking. $outcome: change-approved, change-refused or state ($state is the new state).
mail-booking-decision-subject = Booking #{ $id } "{ $title }": { $outcome ->
        [change-approved] your change was approved
        [change-refused] your change was not approved
       *[state] {$state}
    }
mail-booking-decision-body = { $outcome ->
        [change-approved] Your change was approved.
        [change-refused] Your change was not approved.
       *[state] Your booking "{ $title }" is now: { $state }.
    }{ $noted ->
        [yes] {" "}Note from the commerce office: { $note }
       *[no] {""}
    }

# A decision on a first-store award. $outcome: approved, clawed-back or state; $amount in 元 as ¥1,234.00.
mail-award-decision-subject = First-store award for "{ $store }": { $outcome ->
        [approved] approved with an award of { $amount }
        [clawed-back] { $amount } was clawed back
       *[state] { $state }
    }
mail-award-decision-body = { $outcome ->
        [approved] Your first-store award application for "{ $store }" is approved, with an award of { $amount }.
        [clawed-back] { $amount } of the first-store award for "{ $store }" was clawed back.
       *[state] Your first-store award application for "{ $store }" is now: { $state }.
    }{ $noted ->
        [yes] {" "}Note from the commerce office: { $note }
       *[no] {""}
    }

# A market date was cancelled; $when is the date and time as the market's venue reads it.
mail-market-date-cancelled-subject = { $market }: the market on { $when } is cancelled
mail-market-date-cancelled-body = The market on { $when } is cancelled; your stall { $stall } that day is off.

# Vendors applied for stalls at an organizer's market.
mail-market-new-applications-subject = { $market }: new vendor applications
mail-market-new-applications-body = Vendors have applied for stalls at { $market }; review them on the market's page.

# A vendor's stall application changed state; $deadline is when an offered place must be taken.
mail-stall-application-subject = { $market }: your stall application is { $state ->
        [accepted] accepted: you have a place
        [waitlisted] on the waitlist
        [rejected] not accepted this time
        [offered] offered a freed place
        [lapsed] past its offer
        [withdrawn] withdrawn
        [declined] declined
       *[other] submitted
    }
mail-stall-application-body = Your stall application to { $market } is { $state ->
        [accepted] accepted: you have a place.
        [waitlisted] on the waitlist.
        [rejected] not accepted this time.
        [offered] offered a freed place: accept it by { $deadline }.
        [lapsed] past its offer: the offered place has lapsed.
        [withdrawn] withdrawn.
        [declined] declined.
       *[other] submitted.
    }

# An invitation to join an organization, in the inviter's language.
mail-invitation-subject = { $inviter } invites you to { $organization } on Debut
mail-invitation-body =
    Open this link within seven days to make your account and join { $organization }:
    { $link }

mail-password-reset-subject = Reset your Debut password
mail-password-reset-body =
    Open this link within an hour to choose a new password (it works once):
    { $link }

    If you did not ask for this, ignore this message.

# A new staff account; sent in both languages, Chinese first.
mail-staff-invitation-subject = Your Debut staff account
mail-staff-invitation-body =
    Set your password within seven days to start (the link works once):
    { $link }

# Confirm a subscription; $what is what it follows (e.g. 江心夜市 · 市集).
mail-subscription-confirm-subject = Confirm your weekly Debut e-mail
mail-subscription-confirm-body =
    You (or someone with your address) asked for a weekly e-mail of new Debut events: { $what }.

    Open this link within seven days to confirm:
    { $link }

    If it was not you, ignore this message: without confirmation we send you nothing more.

# The weekly digest: one section per subscription, then a footer.
mail-digest-subject = Debut this week: { $count ->
        [one] 1 new event
       *[other] { $count } new events
    } ({ $names })
mail-digest-name-separator = {"; "}
mail-digest-section = New for "{ $what }": { $count }
mail-digest-more-dates = { $count ->
        [one] {" "}(and 1 more date)
       *[other] {" "}(and { $count } more dates)
    }
# $unlisted: how many events the e-mail did not list.
mail-digest-all = { $unlisted ->
        [0] Every event: { $link }
       *[other] …and { $unlisted } more: { $link }
    }
mail-digest-unsubscribe-one = Unsubscribe from this one: { $link }
mail-digest-footer = You subscribed to Debut's weekly e-mail. The link under each part unsubscribes from it; your mail app's unsubscribe button ends every weekly e-mail to this address.

# Staff's daily digest of what waits for review.
mail-staff-digest-subject = Debut today: { $bookings ->
        [one] 1 booking
       *[other] { $bookings } bookings
    }, { $changes ->
        [one] 1 change
       *[other] { $changes } changes
    }, { $awards ->
        [one] 1 award application
       *[other] { $awards } award applications
    } to review
mail-staff-digest-body =
    Waiting for review: { $bookings } bookings, { $changes } change requests, { $awards } award applications.
    { $link }

# To each staff member: an image added to an approved (public) booking awaits review.
mail-image-review-subject = An image on approved booking #{ $booking } awaits review
mail-image-review-body =
    The applicant added an image to booking #{ $booking }, which is already public. The event keeps its earlier poster until you approve the image (or reject it).
    { $link }

# To the applicant: staff did not approve an image added after approval.
mail-image-rejected-subject = An image you added to booking #{ $booking } was not approved
mail-image-rejected-body = Staff removed the image "{ $alt }" from your booking.{ $given ->
        [yes] {" "}Reason: { $reason }
       *[no] {""}
    }

# After an event: please file its figures ($deadline is a date, 2027-03-26).
mail-figures-due-subject = Please file the figures of "{ $title }"
mail-figures-due-body = Your event has ended. Please file its footfall, sales and media reach, with up to four photos, by { $deadline }.
mail-figures-reminder-subject = Reminder: the figures of "{ $title }" are due by { $deadline }
mail-figures-reminder-body = Your event has ended. Please file its footfall, sales and media reach, with up to four photos, by { $deadline }.

## The programme report (src/console/reports.rs)

report-title = Programme report
report-debut-events = Debut events
report-stores-awarded = First stores awarded
report-awarded = Awarded
report-clawed-back = Clawed back
report-markets-held = Markets held
report-market-dates = Market dates
report-vendors = Vendors
report-occupancy = Stall occupancy
report-footfall = Footfall (confirmed)
report-sales = Sales (confirmed)
report-media-reach = Media reach (confirmed)
report-confirmed = Events with confirmed figures
report-awaiting = Figures awaiting confirmation
report-not-filed = Events that have not filed
report-by-reach = Events by reach
report-by-format = Events by format
report-by-venue = Events by venue
report-by-month = Events by month
report-stores-by-tier = First stores by tier (stores)
report-stores-by-mall = First stores by mall (stores)
report-from = From
report-to-inclusive = To (inclusive)
report-show = Show
report-at-a-glance = At a glance

## Smaller texts: typed words, posters, months, calendar files, maps

subscribe-typed-words = "{ $words }"
page-qr-caption = Scan for the details and to add it to your calendar
calendar-month-heading = { $month ->
        [1] January
        [2] February
        [3] March
        [4] April
        [5] May
        [6] June
        [7] July
        [8] August
        [9] September
        [10] October
        [11] November
       *[12] December
    } { $year }
feed-cancelled-title = [Cancelled] { $title }
ics-cancelled = CANCELLED:
portal-yes = yes
portal-no = no
map-amap = Amap
map-baidu = Baidu Maps
map-osm = OpenStreetMap
# A subscription described without the words its visitor typed (the confirmation e-mail names no typed text).
subscribe-with-typed-words = { $what } (and the words given)

## What is wrong with an input (error.rs `Invalid`): `invalid-{code}`, said beside the field's label.

# Text written before codes existed, shown as it is.
invalid-text = { $text }
invalid-second-factor = give the 6-digit code from your authenticator app, or a recovery code
invalid-reauthenticate = confirm your password (or a code) to go on
invalid-required = must not be empty
invalid-too-long = must be at most { $max } characters
invalid-one-line = must be one line without control characters
invalid-control-characters = must not contain control characters
invalid-email = must be an e-mail address like name@example.com
invalid-slug = use 3 to 60 of a-z, 0-9 and inner hyphens
invalid-title-either = give a title in Chinese, English or both
invalid-amount-positive = must be more than ¥0.00
# $max: the largest amount, as ¥50,000.00.
invalid-amount-max = must be at most { $max }
invalid-years = must be between the years 1970 and 9999
# $typed: what the person typed.
invalid-time = "{ $typed }" is not a time; use 2026-12-04T19:00 (venue time) or RFC 3339
invalid-time-gap = { $typed } does not exist in { $zone } (a daylight-saving gap)
invalid-after-opening = must be after opens_at
invalid-not-a-mall = the venue is not a mall or plaza
invalid-address-or-mall = give the store's address or its mall (mall_venue_id)
invalid-fund-fixed = an application stays in its fund; apply anew for another
invalid-award-amount = give the award in fen
invalid-clawback-reason = give the reason for the clawback
invalid-amount-required = give the amount in fen
invalid-weekday-required = name at least one weekday
invalid-weeks-range = must be between 1 and 52
invalid-market-organizer-only = markets are run by organizers; this booking is not an organizer's
invalid-market-format = the booking's format must be market
invalid-dates-or-series = give at least one date or a series
invalid-cursor = is not a cursor this API returned; start again without one
invalid-venue-required = offer at least one venue
invalid-format-required = want at least one format
invalid-reach-required = want at least one reach
invalid-after-period-start = must be after period_from
invalid-utf8 = must be UTF-8 text
invalid-image-required = attach the image in the field `file`
invalid-after-from = must be after from
invalid-at-least-one = must be at least 1
invalid-cancel-reason = give the public reason for the cancellation
invalid-stage-actions = only approve, reject and request-changes can be staged
invalid-span-92-days = ask for at most 92 days at once
invalid-totp-wrong = is not the current code of your authenticator app; check its clock and try the next one
invalid-password-or-code = give your password, or a code from your authenticator app
invalid-not-current-password = is not your current password
invalid-staff-role = staff accounts are staff or admin
invalid-unknown-venue = is not one of our venues; choose one from the list
invalid-colour = must be a colour like #8c1d18
invalid-language = must be zh or en
invalid-local-page = is not a page this site made
invalid-month = use a month like 2026-12
invalid-out-of-range = out of range
invalid-venue-slug = is not a venue slug
invalid-whole-weeks = must be a whole number of weeks
invalid-vendor-required = choose a vendor
invalid-week = use a week like 2027-W11
invalid-award-action = choose approve, reject, request-changes or claw-back
invalid-group-bookings = name the bookings of the group
invalid-choose-approved = choose the request to approve
invalid-booking-action = choose approve, reject, request-changes or cancel
invalid-no-fund = there is no fund { $id }
invalid-no-venue = there is no venue { $id }
invalid-floor-area = must be a positive number of square metres, at most { $max }
invalid-investment = must be between ¥0.00 and { $max }
invalid-too-many-dates = at most { $max } dates per market
invalid-too-many-stalls = at most { $max } stalls
invalid-no-own-booking = there is no booking { $id } of yours
# $state: the booking's state as the API names it (submitted, draft…).
invalid-market-needs-approval = the booking is { $state }; a market needs an approved booking
invalid-no-stall-class = there is no stall class { $id } in this market
invalid-class-no-food = { $class } does not allow food
invalid-not-a-stall = { $id } is not a stall of this market's plan
invalid-not-an-application = { $id } is not an application to this market
invalid-date-not-applied = { $vendor } did not apply for this date
invalid-stall-no-food = { $vendor } sells food and stall { $stall } does not allow food
invalid-limit = must be a whole number from 1 to { $max }
invalid-too-many-alternatives = at most { $max } alternative slots
invalid-too-many-windows = at most { $max } windows
invalid-too-many-blackouts = at most { $max } blackouts
invalid-weekday = "{ $typed }" is not a weekday; use mon, tue, wed, thu, fri, sat or sun
invalid-clock-time = "{ $typed }" is not a time of day; use 18:00
invalid-date = "{ $typed }" is not a date; use 2026-12-04
# $from and $to: the approved booking's start and end, in venue time.
invalid-outside-booking = { $every ->
        [yes] every date must lie within the approved booking, { $from } to { $to }
       *[no] must lie within the approved booking, { $from } to { $to }
    }
invalid-alt-required = must not be empty: describe the image for people who cannot see it
invalid-venue-choose = choose a venue
invalid-fund-choose = choose a fund
invalid-whole-number = must be a whole number, e.g. 300
invalid-whole-minutes = must be a whole number of minutes, e.g. 30
invalid-whole-square-metres = must be a whole number of square metres, e.g. 120
invalid-yuan = must be an amount in yuan, e.g. 80万, 800,000 or 800000.50
invalid-password-short = must be at least { $min } characters
invalid-venue-slug-length = must be 2 to 64 characters
invalid-venue-slug-characters = may contain only lower-case letters a-z, digits and hyphens
invalid-venue-slug-hyphens = must not start or end with a hyphen or contain two in a row
invalid-venue-slug-letter = must contain a letter
invalid-window-empty = opens and closes are equal: the window has no length
invalid-window-opens = opens must be before 24:00
invalid-between = must be between { $min } and { $max }
invalid-stall-code = use 1 to 8 letters, digits or hyphens, like A01
invalid-date-or-instant = "{ $typed }" is not a date; use 2026-12-01 or an RFC 3339 time
invalid-threshold-above-cap = must be at most the largest tier cap, { $cap }, so that no award escapes it
invalid-threshold-below-floor = must be at least { $floor }
invalid-finite = must be a finite number

## Why a request cannot be done as things stand (error.rs `Reason`, a 409): `conflict-{code}`.

# A sentence written before codes existed, said as it is.
forbidden-text = { $text }
# $action: the action's code (approve, withdraw, …).
forbidden-staff-only-booking = Only staff may { $action } a booking.
forbidden-applicant-only-booking = Only the applicant may { $action } a booking.
forbidden-staff-only-application = Only staff may { $action } an application.
forbidden-applicant-only-application = Only the applicant may { $action } an application.
forbidden-brands-only-awards = Only brands apply for first-store awards.
forbidden-brands-only-bookings = Only brands and organizers apply for venue bookings.
forbidden-applicant-only-edit = Only the applicant may edit this.
forbidden-staff-only = Only commerce-office staff may do this.
forbidden-admins-only = Only admins may do this.
forbidden-no-organization = Your account belongs to no organization.
forbidden-vendors-only-stalls = Only vendor organizations apply for stalls.
forbidden-organizer-only-market = Only the market's organizer or commerce-office staff may do this.
forbidden-owners-only-members = Only the organization's owners may invite and remove members.
forbidden-invitation-other-address = This invitation is for another e-mail address.
forbidden-members-only-logo = Only the organization's members may change its logo.
forbidden-applicant-only-images = Only the applicant may change a booking's images.
forbidden-applicant-only-evidence = Only the applicant may change an application's evidence.
forbidden-vendor-only-images = Only the vendor may change its application's images.
forbidden-staff-only-figures = Only commerce-office staff confirm figures.
forbidden-staff-only-notes = Only staff may write internal notes.
forbidden-members-only-rename = Only the organization's members may rename it.
forbidden-organizer-only-application = Only the market's organizer may { $action } an application.
forbidden-vendor-only-application = Only the vendor may { $action } its application.
forbidden-four-eyes-self = You proposed this; another staff member must confirm it (four eyes).
forbidden-figures-photos = Only the event's organization or staff may change its photos.
forbidden-enrol-second-factor = Your role must sign in with a second factor, which is not set up yet: sign in once on the web (/login) to set it up, then log in here with its code.
conflict-text = { $text }
conflict-stall-application-not-now = An application that is { $state } cannot take `{ $action }`.
# $state: the record's state code; $state_zh: its Chinese label; $done: the English past tense.
conflict-booking-not-now = A booking that is { $state } cannot be { $done }.
conflict-application-not-now = An application that is { $state } cannot take the action { $action }.
conflict-application-not-editable = An application that is { $state } cannot be edited.
# $award, $remaining: amounts as shown, ¥80,000.00.
conflict-fund-exceeded = The award of { $award } exceeds what remains in the fund: { $remaining }.
# $kind: award or clawback; $amount: as shown; $name: who proposed it; $id: the proposal.
conflict-awaiting-second = { $kind ->
        [clawback] A clawback
       *[award] An award
    } of { $amount } proposed by { $name } awaits a second staff member (proposal { $id }); confirm or decline it first.
conflict-proposal-pending = Another award or clawback for this application awaits confirmation already.
conflict-proposal-decided = The proposal was decided meanwhile; reload it.
conflict-date-cancelled = This date is cancelled already.
conflict-plan-food = The plan would leave a food vendor on a stall that forbids food.
conflict-call-closed = The vendor call has closed.
conflict-call-not-open = The organizer has not opened a vendor call for this market yet.
conflict-applied-already = Your organization has applied to this market already.
conflict-food-permit = This vendor sells food: a food permit image must be on file before it can be accepted.
conflict-application-changed = The application changed meanwhile; reload and try again.
conflict-board-changed = The stall, date or vendor changed meanwhile; reload the board.
conflict-vendor-withdrew = The vendor withdrew meanwhile.
conflict-fee-paid = The fee for this stall is paid; mark it due again before unassigning.
conflict-event-not-ended = The event has not ended yet; file its figures after it.
conflict-figures-confirmed = The office has confirmed these figures; ask it to correct them if something is wrong.
conflict-figures-missing = No figures have been filed for this event yet.
conflict-remove-self = You cannot remove yourself; another owner can.
conflict-invitation-answered = This invitation was answered meanwhile.
conflict-second-factor-on = A second factor is set up already; turn it off first to set up another.
conflict-second-factor-start = Start setting up a second factor first (its QR code), then confirm it.
conflict-second-factor-changed = The second factor changed meanwhile; reload and start again.
conflict-second-factor-first = Set up a second factor first; its recovery codes come with it.
conflict-second-factor-off = No second factor is set up.
conflict-email-taken = An account with this e-mail already exists; log in instead.
conflict-own-session = This is the session you are using; log out to end it.
conflict-disable-self = You cannot disable your own account; another admin can.
conflict-no-dates = This market has no dates that take place.
conflict-market-taken = Booking { $booking } already has a market, or the address /markets/{ $slug } is taken; choose another slug.
conflict-stall-assigned = Stall { $stall } has vendors assigned; unassign them before removing it from the plan.
conflict-stall-food-vendor = A food vendor is assigned to stall { $stall }; its class must keep allowing food.
conflict-call-opens = The vendor call opens at { $at }.
conflict-not-accepted = Only accepted vendors get stalls; this application is { $state }.
conflict-stall-taken = Stall { $stall } is taken on that date, or { $vendor } already has a stall that date.
conflict-call-slug-taken = The address /calls/{ $slug } is taken; choose another slug.
conflict-images-full = At most { $max } images here; delete one first.
conflict-image-not-waiting = Image { $image } is not awaiting review.
invalid-venue-archived = the venue is archived and takes no bookings
invalid-in-the-future = must be in the future
invalid-end-after-start = must be after the start
invalid-too-long-booking = a booking may last at most { $hours } hours
invalid-no-opening-hours = the venue has no opening hours set, so it takes no bookings yet
# $hours_zh: the venue's opening hours, 周一 10:00–22:00、周二 …; $zone: Asia/Shanghai.
invalid-outside-opening-hours = the event must fall within opening hours ({ $zone }): { $hours_en }
# $from, $to: venue time, 2026-12-04 19:00; $reason: what staff wrote.
invalid-venue-closed = the venue is closed from { $from } to { $to } ({ $reason }), setup and teardown included
invalid-over-capacity = exceeds the venue's capacity of { $capacity }
invalid-image-empty = the file is empty
invalid-image-format = the file is not a JPEG, PNG or WebP image
invalid-image-pixels = the image is { $width }×{ $height } pixels; at most { $max } megapixels are accepted
invalid-image-corrupt = the image data is truncated or corrupt; export it again and retry
# A value outside a fixed list; $allowed lists the values a program may send.
invalid-one-of = unknown value "{ $typed }"; expected one of: { $allowed }
invalid-too-many-classes = at most { $max } stall classes
invalid-named-twice = "{ $name }" is named twice
invalid-not-a-class = "{ $class }" is not one of the plan's classes
invalid-plan-no-classes = the plan has no classes yet
invalid-outside-grid = is outside the plan's grid (0 to { $max })
invalid-used-twice = { $code } is used twice
invalid-not-a-market-date = this is not one of the market's dates
invalid-not-negative = cannot be negative
invalid-beyond-belief = { $value } is beyond belief; at most { $max }
