//go:build darwin

package tray

/*
#cgo CFLAGS: -x objective-c -fobjc-arc
#cgo LDFLAGS: -framework Cocoa
#include <stdlib.h>
#import <Cocoa/Cocoa.h>

// setStatusItemAccessibilityLabel gives the status item's button a label
// VoiceOver reads: systray keeps its NSStatusItem in its app delegate's
// statusItem instance variable, which key-value coding reaches.
static void setStatusItemAccessibilityLabel(const char *text) {
	NSString *label = [NSString stringWithUTF8String:text];
	dispatch_async(dispatch_get_main_queue(), ^{
		id delegate = [NSApp delegate];
		if (delegate == nil) {
			return;
		}
		@try {
			id item = [delegate valueForKey:@"statusItem"];
			if ([item isKindOfClass:[NSStatusItem class]]) {
				NSStatusBarButton *button = [(NSStatusItem *)item button];
				[button setAccessibilityLabel:label];
				[button setAccessibilityTitle:label];
			}
		} @catch (NSException *e) {
		}
	});
}
*/
import "C"

import "unsafe"

// setAccessibilityLabel says the verdict in words to VoiceOver.
func setAccessibilityLabel(text string) {
	cs := C.CString(text)
	defer C.free(unsafe.Pointer(cs))
	C.setStatusItemAccessibilityLabel(cs)
}
