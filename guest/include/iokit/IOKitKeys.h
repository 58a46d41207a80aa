/* The property and matching keys, spelled as in Apple's IOKitKeys.h and the
 * PCI and USB families.  docs/matching.md documents each. */
#ifndef IOKIT_IOKITKEYS_H
#define IOKIT_IOKITKEYS_H

/* Planes */
#define kIOServicePlane             "IOService"
#define kIOPowerPlane               "IOPower"

/* Bundle and personality */
#define kCFBundleIdentifierKey      "CFBundleIdentifier"
#define kIOKitPersonalitiesKey      "IOKitPersonalities"
#define kIOPersonalityNameKey       "IOPersonalityName"     /* set by the catalogue */
#define kIOClassKey                 "IOClass"
#define kIOProviderClassKey         "IOProviderClass"
#define kIOProbeScoreKey            "IOProbeScore"
#define kIOMatchCategoryKey         "IOMatchCategory"
#define kIODefaultMatchCategoryKey  "IODefaultMatchCategory"
#define kIOUserClassKey             "IOUserClass"
#define kIOUserServerNameKey        "IOUserServerName"

/* Generic matching */
#define kIONameMatchKey             "IONameMatch"
#define kIONameMatchedKey           "IONameMatched"
#define kIOPropertyMatchKey         "IOPropertyMatch"
#define kIOPropertyExistsMatchKey   "IOPropertyExistsMatch"
#define kIOResourceMatchKey         "IOResourceMatch"
#define kIOParentMatchKey           "IOParentMatch"
#define kIOPathMatchKey             "IOPathMatch"
#define kIOLocationMatchKey         "IOLocationMatch"
#define kIOMatchedServiceCountKey   "IOMatchedServiceCountMatch"
#define kIONameKey                  "IOName"
#define kIOLocationKey              "IOLocation"
#define kIOCompatibleKey            "compatible"
#define kIOPathKey                  "IOPath"

/* PCI family */
#define kIOPCIMatchKey              "IOPCIMatch"
#define kIOPCIPrimaryMatchKey       "IOPCIPrimaryMatch"
#define kIOPCISecondaryMatchKey     "IOPCISecondaryMatch"
#define kIOPCIClassMatchKey         "IOPCIClassMatch"
/* The nub properties they are matched against (OSData or OSNumber). */
#define kIOPCIVendorIDKey           "vendor-id"
#define kIOPCIDeviceIDKey           "device-id"
#define kIOPCISubsystemVendorIDKey  "subsystem-vendor-id"
#define kIOPCISubsystemIDKey        "subsystem-id"
#define kIOPCIClassCodeKey          "class-code"
#define kIOPCIRevisionIDKey         "revision-id"

/* USB family */
#define kUSBVendorID                "idVendor"
#define kUSBProductID               "idProduct"
#define kUSBProductIDArray          "idProductArray"
#define kUSBProductIDMask           "idProductMask"
#define kUSBDeviceReleaseNumber     "bcdDevice"
#define kUSBDeviceClass             "bDeviceClass"
#define kUSBDeviceSubClass          "bDeviceSubClass"
#define kUSBDeviceProtocol          "bDeviceProtocol"
#define kUSBInterfaceClass          "bInterfaceClass"
#define kUSBInterfaceSubClass       "bInterfaceSubClass"
#define kUSBInterfaceProtocol       "bInterfaceProtocol"
#define kUSBConfigurationValue      "bConfigurationValue"
#define kUSBInterfaceNumber         "bInterfaceNumber"

/* Registry archive (ioreg -a, the control channel's "ioreg"): the keys an
 * entry's dictionary carries besides its properties. */
#define kIORegistryEntryNameKey     "IORegistryEntryName"
#define kIORegistryEntryIDKey       "IORegistryEntryID"
#define kIORegistryEntryLocationKey "IORegistryEntryLocation"
#define kIORegistryEntryChildrenKey "IORegistryEntryChildren"
#define kIOObjectClassKey           "IOObjectClass"
#define kIOObjectClassChainKey      "IOObjectClassChain"    /* dextbed */
#define kIOObjectRetainCountKey     "IOObjectRetainCount"
#define kIOServiceStateKey          "IOServiceState"
#define kIOServiceBusyStateKey      "IOServiceBusyState"

#endif
