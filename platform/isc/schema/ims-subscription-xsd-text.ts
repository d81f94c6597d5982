/**
 * The IMSSubscription XML Schema, byte for byte as in ims-subscription.xsd beside this file
 * (schema.test.ts checks they are identical). Embedded as text so the build output needs no
 * data files.
 */
export const IMS_SUBSCRIPTION_XSD_TEXT = `<?xml version="1.0" encoding="UTF-8"?>
<!--
  The Cx user profile (IMSSubscription) of 3GPP TS 29.228 (CxDataType schema), for the part
  Switchboard reads. Structure, element order, cardinalities and enumerations follow the Rel-8
  schema, with two later additions: tDirectionOfRequest value 4 (ORIGINATING_CDIV, Rel-9 and
  later) and tIdentityType values 3 and 4 (Rel-8). No target namespace: the elements are
  unqualified, as HSSs send them. Every complex type ends with xs:any namespace="##other"
  (elements of other namespaces) as in the 3GPP schema; Extension elements whose content
  Switchboard does not read are open (tExtension).
-->
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" elementFormDefault="qualified" attributeFormDefault="unqualified">

  <!-- simple types -->
  <xs:simpleType name="tPriority">
    <xs:restriction base="xs:int"><xs:minInclusive value="0"/></xs:restriction>
  </xs:simpleType>
  <xs:simpleType name="tGroupID">
    <xs:restriction base="xs:int"><xs:minInclusive value="0"/></xs:restriction>
  </xs:simpleType>
  <xs:simpleType name="tSharedIFCSetID">
    <xs:restriction base="xs:int"><xs:minInclusive value="0"/></xs:restriction>
  </xs:simpleType>
  <xs:simpleType name="tSubscribedMediaProfileId">
    <xs:restriction base="xs:int"><xs:minInclusive value="0"/></xs:restriction>
  </xs:simpleType>
  <!-- 0 REGISTERED, 1 UNREGISTERED -->
  <xs:simpleType name="tProfilePartIndicator">
    <xs:restriction base="xs:unsignedByte"><xs:maxInclusive value="1"/></xs:restriction>
  </xs:simpleType>
  <!-- 0 INITIAL_REGISTRATION, 1 RE-REGISTRATION, 2 DE-REGISTRATION -->
  <xs:simpleType name="tRegistrationType">
    <xs:restriction base="xs:unsignedByte"><xs:maxInclusive value="2"/></xs:restriction>
  </xs:simpleType>
  <!-- 0 SESSION_CONTINUED, 1 SESSION_TERMINATED -->
  <xs:simpleType name="tDefaultHandling">
    <xs:restriction base="xs:unsignedByte"><xs:maxInclusive value="1"/></xs:restriction>
  </xs:simpleType>
  <!-- 0 ORIGINATING_REGISTERED (ORIGINATING_SESSION before Rel-7), 1 TERMINATING_REGISTERED,
       2 TERMINATING_UNREGISTERED, 3 ORIGINATING_UNREGISTERED, 4 ORIGINATING_CDIV -->
  <xs:simpleType name="tDirectionOfRequest">
    <xs:restriction base="xs:unsignedByte"><xs:maxInclusive value="4"/></xs:restriction>
  </xs:simpleType>
  <!-- 0 PUBLIC_USER_IDENTITY, 1 DISTINCT_PSI, 2 WILDCARDED_PSI, 3 WILDCARDED_IMPU, 4 IMPU WILDCARD -->
  <xs:simpleType name="tIdentityType">
    <xs:restriction base="xs:unsignedByte"><xs:maxInclusive value="4"/></xs:restriction>
  </xs:simpleType>
  <xs:simpleType name="tPrivateID">
    <xs:restriction base="xs:anyURI"/>
  </xs:simpleType>
  <xs:simpleType name="tSIP_URL">
    <xs:restriction base="xs:anyURI"/>
  </xs:simpleType>
  <xs:simpleType name="tTEL_URL">
    <xs:restriction base="xs:anyURI"/>
  </xs:simpleType>
  <xs:simpleType name="tIdentity">
    <xs:union memberTypes="tSIP_URL tTEL_URL"/>
  </xs:simpleType>
  <xs:simpleType name="tServiceInfo">
    <xs:restriction base="xs:string"/>
  </xs:simpleType>
  <xs:simpleType name="tString">
    <xs:restriction base="xs:string"/>
  </xs:simpleType>
  <!-- xs:boolean: 0, 1, true, false -->
  <xs:simpleType name="tBool">
    <xs:restriction base="xs:boolean"/>
  </xs:simpleType>

  <!-- open extension point -->
  <xs:complexType name="tExtension">
    <xs:sequence>
      <xs:any processContents="lax" minOccurs="0" maxOccurs="unbounded"/>
    </xs:sequence>
  </xs:complexType>

  <!-- IMSSubscription -->
  <xs:complexType name="tIMSSubscription">
    <xs:sequence>
      <xs:element name="PrivateID" type="tPrivateID"/>
      <xs:element name="ServiceProfile" type="tServiceProfile" maxOccurs="unbounded"/>
      <xs:element name="Extension" type="tExtension" minOccurs="0"/>
      <xs:any namespace="##other" processContents="lax" minOccurs="0" maxOccurs="unbounded"/>
    </xs:sequence>
  </xs:complexType>

  <xs:complexType name="tServiceProfile">
    <xs:sequence>
      <xs:element name="PublicIdentity" type="tPublicIdentity" maxOccurs="unbounded"/>
      <xs:element name="CoreNetworkServicesAuthorization" type="tCoreNetworkServicesAuthorization" minOccurs="0"/>
      <xs:element name="InitialFilterCriteria" type="tInitialFilterCriteria" minOccurs="0" maxOccurs="unbounded"/>
      <xs:element name="Extension" type="tServiceProfileExtension" minOccurs="0"/>
      <xs:any namespace="##other" processContents="lax" minOccurs="0" maxOccurs="unbounded"/>
    </xs:sequence>
  </xs:complexType>

  <xs:complexType name="tServiceProfileExtension">
    <xs:sequence>
      <xs:element name="SharedIFCSetID" type="tSharedIFCSetID" minOccurs="0" maxOccurs="unbounded"/>
      <xs:element name="Extension" type="tExtension" minOccurs="0"/>
    </xs:sequence>
  </xs:complexType>

  <xs:complexType name="tPublicIdentity">
    <xs:sequence>
      <xs:element name="BarringIndication" type="tBool" default="0" minOccurs="0"/>
      <xs:element name="Identity" type="tIdentity"/>
      <xs:element name="Extension" type="tPublicIdentityExtension" minOccurs="0"/>
      <xs:any namespace="##other" processContents="lax" minOccurs="0" maxOccurs="unbounded"/>
    </xs:sequence>
  </xs:complexType>

  <xs:complexType name="tPublicIdentityExtension">
    <xs:sequence>
      <xs:element name="IdentityType" type="tIdentityType" minOccurs="0"/>
      <xs:element name="WildcardedPSI" type="xs:anyURI" minOccurs="0"/>
      <!-- Rel-8: DisplayName, AliasIdentityGroupID, Extension{WildcardedIMPU, …} -->
      <xs:element name="Extension" type="tExtension" minOccurs="0"/>
    </xs:sequence>
  </xs:complexType>

  <xs:complexType name="tCoreNetworkServicesAuthorization">
    <xs:sequence>
      <xs:element name="SubscribedMediaProfileId" type="tSubscribedMediaProfileId" minOccurs="0"/>
      <xs:element name="Extension" type="tExtension" minOccurs="0"/>
      <xs:any namespace="##other" processContents="lax" minOccurs="0" maxOccurs="unbounded"/>
    </xs:sequence>
  </xs:complexType>

  <!-- initial Filter Criteria -->
  <xs:complexType name="tInitialFilterCriteria">
    <xs:sequence>
      <xs:element name="Priority" type="tPriority"/>
      <xs:element name="TriggerPoint" type="tTrigger" minOccurs="0"/>
      <xs:element name="ApplicationServer" type="tApplicationServer"/>
      <xs:element name="ProfilePartIndicator" type="tProfilePartIndicator" minOccurs="0"/>
      <xs:element name="Extension" type="tExtension" minOccurs="0"/>
      <xs:any namespace="##other" processContents="lax" minOccurs="0" maxOccurs="unbounded"/>
    </xs:sequence>
  </xs:complexType>

  <xs:complexType name="tTrigger">
    <xs:sequence>
      <xs:element name="ConditionTypeCNF" type="tBool"/>
      <xs:element name="SPT" type="tSePoTri" maxOccurs="unbounded"/>
      <xs:element name="Extension" type="tExtension" minOccurs="0"/>
      <xs:any namespace="##other" processContents="lax" minOccurs="0" maxOccurs="unbounded"/>
    </xs:sequence>
  </xs:complexType>

  <!-- Service Point Trigger: negation, one or more groups, exactly one class -->
  <xs:complexType name="tSePoTri">
    <xs:sequence>
      <xs:element name="ConditionNegated" type="tBool" default="0" minOccurs="0"/>
      <xs:element name="Group" type="tGroupID" maxOccurs="unbounded"/>
      <xs:choice>
        <xs:element name="RequestURI" type="tString"/>
        <xs:element name="Method" type="tString"/>
        <xs:element name="SIPHeader" type="tHeader"/>
        <xs:element name="SessionCase" type="tDirectionOfRequest"/>
        <xs:element name="SessionDescription" type="tSessionDescription"/>
      </xs:choice>
      <xs:element name="Extension" type="tSePoTriExtension" minOccurs="0"/>
      <xs:any namespace="##other" processContents="lax" minOccurs="0" maxOccurs="unbounded"/>
    </xs:sequence>
  </xs:complexType>

  <xs:complexType name="tSePoTriExtension">
    <xs:sequence>
      <xs:element name="RegistrationType" type="tRegistrationType" minOccurs="0" maxOccurs="2"/>
      <xs:element name="Extension" type="tExtension" minOccurs="0"/>
    </xs:sequence>
  </xs:complexType>

  <xs:complexType name="tHeader">
    <xs:sequence>
      <xs:element name="Header" type="tString"/>
      <xs:element name="Content" type="tString" minOccurs="0"/>
      <xs:element name="Extension" type="tExtension" minOccurs="0"/>
      <xs:any namespace="##other" processContents="lax" minOccurs="0" maxOccurs="unbounded"/>
    </xs:sequence>
  </xs:complexType>

  <xs:complexType name="tSessionDescription">
    <xs:sequence>
      <xs:element name="Line" type="tString"/>
      <xs:element name="Content" type="tString" minOccurs="0"/>
      <xs:element name="Extension" type="tExtension" minOccurs="0"/>
      <xs:any namespace="##other" processContents="lax" minOccurs="0" maxOccurs="unbounded"/>
    </xs:sequence>
  </xs:complexType>

  <xs:complexType name="tApplicationServer">
    <xs:sequence>
      <xs:element name="ServerName" type="tSIP_URL"/>
      <xs:element name="DefaultHandling" type="tDefaultHandling" minOccurs="0"/>
      <xs:element name="ServiceInfo" type="tServiceInfo" minOccurs="0"/>
      <xs:element name="Extension" type="tApplicationServerExtension" minOccurs="0"/>
      <xs:any namespace="##other" processContents="lax" minOccurs="0" maxOccurs="unbounded"/>
    </xs:sequence>
  </xs:complexType>

  <xs:complexType name="tApplicationServerExtension">
    <xs:sequence>
      <xs:element name="IncludeRegisterRequest" type="tIncludeRegister" minOccurs="0"/>
      <xs:element name="IncludeRegisterResponse" type="tIncludeRegister" minOccurs="0"/>
      <xs:element name="Extension" type="tExtension" minOccurs="0"/>
      <xs:any namespace="##other" processContents="lax" minOccurs="0" maxOccurs="unbounded"/>
    </xs:sequence>
  </xs:complexType>

  <!-- IncludeRegisterRequest / IncludeRegisterResponse: empty flag elements -->
  <xs:complexType name="tIncludeRegister">
    <xs:sequence>
      <xs:element name="Extension" type="tExtension" minOccurs="0"/>
      <xs:any namespace="##other" processContents="lax" minOccurs="0" maxOccurs="unbounded"/>
    </xs:sequence>
  </xs:complexType>

  <xs:element name="IMSSubscription" type="tIMSSubscription"/>
</xs:schema>
`;
