package macos

import "strings"

// Kind is how a message is declared: a class or instance method, a
// property read or set (of an instance or of the class), or a method of a
// protocol this package implements.
type Kind int

// Kinds of message.
const (
	ClassMethod Kind = iota
	InstanceMethod
	Getter
	Setter
	ClassGetter
	ProtocolMethod
)

// Message is one message this package sends (or, for ProtocolMethod,
// answers), as Apple declares it: Class is the class or protocol that
// declares it, not always the receiver's (alloc is NSObject's).
type Message struct {
	Class    string
	Selector string
	Kind     Kind
}

// DocID is the message's identifier in Apple's documentation (the
// "preciseIdentifier" of its page): c:objc(cs)Class(im)selector, (cm) for
// a class method, (py) for a property and (cpy) for a class property; a
// setter is documented under its property.
func (m Message) DocID() string {
	owner := "c:objc(cs)" + m.Class
	switch m.Kind {
	case ClassMethod:
		return owner + "(cm)" + m.Selector
	case InstanceMethod:
		return owner + "(im)" + m.Selector
	case Getter:
		return owner + "(py)" + m.Selector
	case Setter:
		name := strings.TrimSuffix(strings.TrimPrefix(m.Selector, "set"), ":")
		return owner + "(py)" + strings.ToLower(name[:1]) + name[1:]
	case ClassGetter:
		return owner + "(cpy)" + m.Selector
	case ProtocolMethod:
		return "c:objc(pl)" + m.Class + "(im)" + m.Selector
	}
	return ""
}

// Constant is a raw value of an enum or option set this package uses.
type Constant struct {
	Enum, Name string
	Value      int
}

// DocID is the constant's identifier in Apple's documentation.
func (c Constant) DocID() string { return "c:@E@" + c.Enum + "@" + c.Name }

// The classes and the protocol this package names.
const (
	clsNSObject          = "NSObject"
	clsNSAutoreleasePool = "NSAutoreleasePool"
	clsNSString          = "NSString"
	clsNSArray           = "NSArray"
	clsNSSet             = "NSSet"
	clsNSError           = "NSError"
	clsNSBundle          = "NSBundle"
	clsCenter            = "UNUserNotificationCenter"
	clsSettings          = "UNNotificationSettings"
	clsContent           = "UNMutableNotificationContent"
	clsReadContent       = "UNNotificationContent"
	clsSound             = "UNNotificationSound"
	clsRequest           = "UNNotificationRequest"
	clsAction            = "UNNotificationAction"
	clsCategory          = "UNNotificationCategory"
	clsResponse          = "UNNotificationResponse"
	clsNotification      = "UNNotification"
	clsAppService        = "SMAppService"
	protoCenterDelegate  = "UNUserNotificationCenterDelegate"
	protoNSObject        = "NSObject"
)

// The selectors this package sends or answers. Code sends only these
// names (surface_test.go holds it to that), and each is checked against
// Apple's documentation (testdata/apple-objc.txt).
const (
	selNew                  = "new"
	selAutorelease          = "autorelease"
	selDrain                = "drain"
	selStringWithUTF8String = "stringWithUTF8String:"
	selUTF8String           = "UTF8String"
	selArrayWithObjects     = "arrayWithObjects:count:"
	selSetWithArray         = "setWithArray:"
	selLocalizedDescription = "localizedDescription"
	selMainBundle           = "mainBundle"
	selBundleIdentifier     = "bundleIdentifier"

	selCurrentCenter      = "currentNotificationCenter"
	selRequestAuth        = "requestAuthorizationWithOptions:completionHandler:"
	selGetSettings        = "getNotificationSettingsWithCompletionHandler:"
	selSetCategories      = "setNotificationCategories:"
	selAddRequest         = "addNotificationRequest:withCompletionHandler:"
	selRemoveDelivered    = "removeDeliveredNotificationsWithIdentifiers:"
	selSetDelegate        = "setDelegate:"
	selAuthorizationState = "authorizationStatus"
	selAlertSetting       = "alertSetting"
	selSetTitle           = "setTitle:"
	selSetBody            = "setBody:"
	selSetThread          = "setThreadIdentifier:"
	selSetCategory        = "setCategoryIdentifier:"
	selSetSound           = "setSound:"
	selDefaultSound       = "defaultSound"
	selRequestWith        = "requestWithIdentifier:content:trigger:"
	selActionWith         = "actionWithIdentifier:title:options:"
	selCategoryWith       = "categoryWithIdentifier:actions:intentIdentifiers:options:"
	selActionIdentifier   = "actionIdentifier"
	selNotification       = "notification"
	selRequest            = "request"
	selIdentifier         = "identifier"
	selContent            = "content"
	selThreadIdentifier   = "threadIdentifier"
	selWillPresent        = "userNotificationCenter:willPresentNotification:withCompletionHandler:"
	selDidReceive         = "userNotificationCenter:didReceiveNotificationResponse:withCompletionHandler:"

	selMainAppService = "mainAppService"
	selStatus         = "status"
	selRegister       = "registerAndReturnError:"
	selUnregister     = "unregisterAndReturnError:"
)

// Surface is every message this package sends or answers.
var Surface = []Message{
	{clsNSObject, selNew, ClassMethod},
	{protoNSObject, selAutorelease, ProtocolMethod},
	{clsNSAutoreleasePool, selDrain, InstanceMethod},
	{clsNSString, selStringWithUTF8String, ClassMethod},
	{clsNSString, selUTF8String, Getter},
	{clsNSArray, selArrayWithObjects, ClassMethod},
	{clsNSSet, selSetWithArray, ClassMethod},
	{clsNSError, selLocalizedDescription, Getter},
	{clsNSBundle, selMainBundle, ClassGetter},
	{clsNSBundle, selBundleIdentifier, Getter},

	{clsCenter, selCurrentCenter, ClassMethod},
	{clsCenter, selRequestAuth, InstanceMethod},
	{clsCenter, selGetSettings, InstanceMethod},
	{clsCenter, selSetCategories, InstanceMethod},
	{clsCenter, selAddRequest, InstanceMethod},
	{clsCenter, selRemoveDelivered, InstanceMethod},
	{clsCenter, selSetDelegate, Setter},
	{clsSettings, selAuthorizationState, Getter},
	{clsSettings, selAlertSetting, Getter},
	{clsContent, selSetTitle, Setter},
	{clsContent, selSetBody, Setter},
	{clsContent, selSetThread, Setter},
	{clsContent, selSetCategory, Setter},
	{clsContent, selSetSound, Setter},
	{clsSound, selDefaultSound, ClassGetter},
	{clsRequest, selRequestWith, ClassMethod},
	{clsAction, selActionWith, ClassMethod},
	{clsCategory, selCategoryWith, ClassMethod},
	{clsResponse, selActionIdentifier, Getter},
	{clsResponse, selNotification, Getter},
	{clsNotification, selRequest, Getter},
	{clsRequest, selIdentifier, Getter},
	{clsRequest, selContent, Getter},
	{clsReadContent, selThreadIdentifier, Getter},
	{protoCenterDelegate, selWillPresent, ProtocolMethod},
	{protoCenterDelegate, selDidReceive, ProtocolMethod},

	{clsAppService, selMainAppService, ClassGetter},
	{clsAppService, selStatus, Getter},
	{clsAppService, selRegister, InstanceMethod},
	{clsAppService, selUnregister, InstanceMethod},
}

// Classes are the classes this package looks up by name, and Protocols
// the protocols.
var (
	Classes = []string{clsNSObject, clsNSAutoreleasePool, clsNSString, clsNSArray, clsNSSet, clsNSBundle,
		clsCenter, clsContent, clsSound, clsRequest, clsAction, clsCategory, clsAppService}
	Protocols = []string{protoCenterDelegate}
)

// The raw values this package passes or compares.
var (
	authOptionSound      = Constant{"UNAuthorizationOptions", "UNAuthorizationOptionSound", 1 << 1}
	authOptionAlert      = Constant{"UNAuthorizationOptions", "UNAuthorizationOptionAlert", 1 << 2}
	authNotDetermined    = Constant{"UNAuthorizationStatus", "UNAuthorizationStatusNotDetermined", 0}
	authDenied           = Constant{"UNAuthorizationStatus", "UNAuthorizationStatusDenied", 1}
	settingDisabled      = Constant{"UNNotificationSetting", "UNNotificationSettingDisabled", 1}
	presentSound         = Constant{"UNNotificationPresentationOptions", "UNNotificationPresentationOptionSound", 1 << 1}
	presentList          = Constant{"UNNotificationPresentationOptions", "UNNotificationPresentationOptionList", 1 << 3}
	presentBanner        = Constant{"UNNotificationPresentationOptions", "UNNotificationPresentationOptionBanner", 1 << 4}
	actionForeground     = Constant{"UNNotificationActionOptions", "UNNotificationActionOptionForeground", 1 << 2}
	serviceNotRegistered = Constant{"SMAppServiceStatus", "SMAppServiceStatusNotRegistered", 0}
	serviceEnabled       = Constant{"SMAppServiceStatus", "SMAppServiceStatusEnabled", 1}
	serviceApproval      = Constant{"SMAppServiceStatus", "SMAppServiceStatusRequiresApproval", 2}
	serviceNotFound      = Constant{"SMAppServiceStatus", "SMAppServiceStatusNotFound", 3}
)

// Constants are every raw value above.
var Constants = []Constant{authOptionSound, authOptionAlert, authNotDetermined, authDenied, settingDisabled,
	presentSound, presentList, presentBanner, actionForeground,
	serviceNotRegistered, serviceEnabled, serviceApproval, serviceNotFound}

// The system's own action identifiers, global variables of the
// UserNotifications framework: a response carries one of them (a click on
// the alert itself, or its dismissal), or one of the app's buttons. Their
// values are read from the framework, and compared by value.
const (
	symDefaultAction = "UNNotificationDefaultActionIdentifier"
	symDismissAction = "UNNotificationDismissActionIdentifier"
)

// Symbols are the global variables this package reads.
var Symbols = []string{symDefaultAction, symDismissAction}

// The functions of the Objective-C runtime this package calls by name, to
// make the class of the center's delegate (purego's objc package calls
// the rest).
const (
	fnAllocateClassPair = "objc_allocateClassPair"
	fnRegisterClassPair = "objc_registerClassPair"
	fnDisposeClassPair  = "objc_disposeClassPair"
)

// Functions are the runtime's functions this package calls by name.
var Functions = []string{fnAllocateClassPair, fnRegisterClassPair, fnDisposeClassPair}

// libobjc is the Objective-C runtime's library.
const libobjc = "/usr/lib/libobjc.A.dylib"

// The class of the center's delegate is this package's own, and the type
// encoding of its two methods (void; self, _cmd, the center, the
// notification or response, and a block) is the runtime's notation.
const (
	delegateClassName = "HaltonMeterBarAlertDelegate"
	encDelegateMethod = "v@:@@@?"
)

// Frameworks are the system frameworks this package loads.
var Frameworks = []string{
	"/System/Library/Frameworks/Foundation.framework/Foundation",
	"/System/Library/Frameworks/UserNotifications.framework/UserNotifications",
	"/System/Library/Frameworks/ServiceManagement.framework/ServiceManagement",
}
