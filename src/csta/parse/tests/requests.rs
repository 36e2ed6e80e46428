//! Requests: mandatory elements, invalid values, values read.

use super::*;

#[test]
fn missing_mandatory_elements() {
    let cases: &[(&str, &str, ParseError)] = &[
        ("MonitorStart", "", missing("MonitorStart", "monitorObject")),
        (
            "MonitorStart",
            "<monitorObject/>",
            missing("MonitorStart", "deviceObject"),
        ),
        (
            "MonitorStart",
            "<requestedMonitorFilter/><deviceObject>1</deviceObject>",
            missing("MonitorStart", "monitorObject"),
        ),
        (
            "MonitorStop",
            "<extensions/>",
            missing("MonitorStop", "monitorCrossRefID"),
        ),
        (
            "MonitorStartResponse",
            "",
            missing("MonitorStartResponse", "monitorCrossRefID"),
        ),
        (
            "SnapshotDevice",
            "",
            missing("SnapshotDevice", "snapshotObject"),
        ),
        (
            "MakeCall",
            "<callingDevice>1</callingDevice>",
            missing("MakeCall", "calledDirectoryNumber"),
        ),
        (
            "MakeCall",
            "<calledDirectoryNumber>2</calledDirectoryNumber>",
            missing("MakeCall", "callingDevice"),
        ),
        (
            "MakeCallResponse",
            "",
            missing("MakeCallResponse", "callingDevice"),
        ),
        ("AnswerCall", "", missing("AnswerCall", "callToBeAnswered")),
        (
            "ClearConnection",
            "",
            missing("ClearConnection", "connectionToBeCleared"),
        ),
        ("ClearCall", "", missing("ClearCall", "callToBeCleared")),
        (
            "HoldCall",
            "<callToBeRetrieved/>",
            missing("HoldCall", "callToBeHeld"),
        ),
        (
            "RetrieveCall",
            "",
            missing("RetrieveCall", "callToBeRetrieved"),
        ),
        (
            "ConsultationCall",
            "<existingCall><callID>1</callID></existingCall>",
            missing("ConsultationCall", "consultedDevice"),
        ),
        (
            "TransferCall",
            "<heldCall><callID>1</callID></heldCall>",
            missing("TransferCall", "activeCall"),
        ),
        (
            "SingleStepTransferCall",
            "<activeCall><callID>1</callID></activeCall>",
            missing("SingleStepTransferCall", "transferredTo"),
        ),
        (
            "ConferenceCall",
            "<activeCall><callID>1</callID></activeCall>",
            missing("ConferenceCall", "heldCall"),
        ),
        (
            "DeflectCall",
            "<callToBeDiverted><callID>1</callID></callToBeDiverted>",
            missing("DeflectCall", "newDestination"),
        ),
        (
            "ReconnectCall",
            "<activeCall><callID>1</callID></activeCall>",
            missing("ReconnectCall", "heldCall"),
        ),
        (
            "AlternateCall",
            "<heldCall><callID>1</callID></heldCall>",
            missing("AlternateCall", "activeCall"),
        ),
        (
            "ConsultationCallResponse",
            "",
            missing("ConsultationCallResponse", "initiatedCall"),
        ),
        (
            "GenerateDigits",
            "<connectionToSendDigits><callID>1</callID></connectionToSendDigits>",
            missing("GenerateDigits", "charactersToSend"),
        ),
        (
            "SetDoNotDisturb",
            "<device>1</device>",
            missing("SetDoNotDisturb", "doNotDisturbOn"),
        ),
        (
            "SetForwarding",
            "<device>1</device>",
            missing("SetForwarding", "activateForward"),
        ),
        (
            "SetForwarding",
            "<activateForward>true</activateForward>",
            missing("SetForwarding", "device"),
        ),
        (
            "StartApplicationSession",
            "",
            missing("StartApplicationSession", "applicationInfo"),
        ),
        (
            "StartApplicationSession",
            "<applicationInfo/>",
            missing("StartApplicationSession", "applicationID"),
        ),
        (
            "StopApplicationSession",
            "",
            missing("StopApplicationSession", "sessionID"),
        ),
        (
            "ResetApplicationSessionTimer",
            "<requestedSessionDuration>5</requestedSessionDuration>",
            missing("ResetApplicationSessionTimer", "sessionID"),
        ),
        (
            "StartApplicationSessionPosResponse",
            "",
            missing("StartApplicationSessionPosResponse", "sessionID"),
        ),
        (
            "StartApplicationSessionNegResponse",
            "",
            missing("StartApplicationSessionNegResponse", "errorCode"),
        ),
        (
            "SystemRegisterCancel",
            "",
            missing("SystemRegisterCancel", "sysStatRegisterID"),
        ),
        (
            "SystemRegisterResponse",
            "",
            missing("SystemRegisterResponse", "sysStatRegisterID"),
        ),
        ("SystemStatus", "", missing("SystemStatus", "systemStatus")),
        (
            "RequestSystemStatusResponse",
            "",
            missing("RequestSystemStatusResponse", "systemStatus"),
        ),
        ("CSTAErrorCode", "", missing("CSTAErrorCode", "errorValue")),
    ];
    for (root, body, want) in cases {
        let got = message(&doc(root, body));
        assert_eq!(got.as_ref(), Err(want), "{root}: {body}");
    }
}

#[test]
fn invalid_values() {
    let cases: &[(&str, &str, ParseError)] = &[
        (
            "MonitorStart",
            "<monitorObject><callObject><callID>C1</callID></callObject></monitorObject>",
            invalid("MonitorStart", "callObject", "C1"),
        ),
        (
            "MonitorStart",
            "<monitorObject><deviceObject/></monitorObject>",
            invalid("MonitorStart", "deviceObject", ""),
        ),
        (
            "MonitorStart",
            "<monitorObject><deviceObject> \n\t </deviceObject></monitorObject>",
            invalid("MonitorStart", "deviceObject", ""),
        ),
        (
            "MonitorStart",
            "<monitorObject><deviceObject>1</deviceObject></monitorObject>\
             <requestedMonitorFilter><callcontrol><delivered>yes</delivered>\
             </callcontrol></requestedMonitorFilter>",
            invalid("MonitorStart", "requestedMonitorFilter", "delivered=yes"),
        ),
        (
            "StartApplicationSession",
            "<applicationInfo><applicationID>a</applicationID></applicationInfo>\
             <requestedSessionDuration>abc</requestedSessionDuration>",
            invalid("StartApplicationSession", "requestedSessionDuration", "abc"),
        ),
        (
            "StartApplicationSession",
            "<applicationInfo><applicationID>a</applicationID></applicationInfo>\
             <requestedSessionDuration>-1</requestedSessionDuration>",
            invalid("StartApplicationSession", "requestedSessionDuration", "-1"),
        ),
        (
            "ResetApplicationSessionTimer",
            "<sessionID>s</sessionID><requestedSessionDuration>1.5</requestedSessionDuration>",
            invalid(
                "ResetApplicationSessionTimer",
                "requestedSessionDuration",
                "1.5",
            ),
        ),
        (
            "ResetApplicationSessionTimer",
            "<sessionID>s</sessionID>\
             <requestedSessionDuration>99999999999</requestedSessionDuration>",
            invalid(
                "ResetApplicationSessionTimer",
                "requestedSessionDuration",
                "99999999999",
            ),
        ),
        (
            "StartApplicationSessionPosResponse",
            "<sessionID>s</sessionID><actualSessionDuration>1e3</actualSessionDuration>",
            invalid(
                "StartApplicationSessionPosResponse",
                "actualSessionDuration",
                "1e3",
            ),
        ),
        (
            "MonitorStop",
            "<monitorCrossRefID/>",
            invalid("MonitorStop", "monitorCrossRefID", ""),
        ),
        (
            "SnapshotDevice",
            "<snapshotObject> </snapshotObject>",
            invalid("SnapshotDevice", "snapshotObject", ""),
        ),
        (
            "SetDoNotDisturb",
            "<device>1</device><doNotDisturbOn>yes</doNotDisturbOn>",
            invalid("SetDoNotDisturb", "doNotDisturbOn", "yes"),
        ),
        (
            "SetDoNotDisturb",
            "<device>1</device><doNotDisturbOn/>",
            invalid("SetDoNotDisturb", "doNotDisturbOn", ""),
        ),
        (
            "SetDoNotDisturb",
            "<device>1</device><doNotDisturbOn>TRUE</doNotDisturbOn>",
            invalid("SetDoNotDisturb", "doNotDisturbOn", "TRUE"),
        ),
        (
            "SystemRegister",
            "<requestTypes><systemStatus>on</systemStatus></requestTypes>",
            invalid("SystemRegister", "systemStatus", "on"),
        ),
        (
            "AnswerCall",
            "<callToBeAnswered><callID/><deviceID> </deviceID></callToBeAnswered>",
            invalid("AnswerCall", "callToBeAnswered", ""),
        ),
        (
            "ClearConnection",
            "<connectionToBeCleared>loose text</connectionToBeCleared>",
            invalid("ClearConnection", "connectionToBeCleared", "loose text"),
        ),
        (
            "DeflectCall",
            "<callToBeDiverted><callID>1</callID></callToBeDiverted><newDestination/>",
            invalid("DeflectCall", "newDestination", ""),
        ),
        (
            "GenerateDigits",
            "<connectionToSendDigits><callID>1</callID></connectionToSendDigits>\
             <charactersToSend></charactersToSend>",
            invalid("GenerateDigits", "charactersToSend", ""),
        ),
    ];
    for (root, body, want) in cases {
        let got = message(&doc(root, body));
        assert_eq!(got.as_ref(), Err(want), "{root}: {body}");
    }
}

#[test]
fn requests_with_values() {
    use Message as M;
    let c1 = || conn(Some("C1"), Some("100"));
    let c2 = || conn(Some("C2"), Some("100"));
    let cases: Vec<(&str, &str, Message)> = vec![
        (
            "MakeCall",
            r#"<callingDevice typeOfNumber="explicitPublic:subscriber">100</callingDevice>
               <calledDirectoryNumber>200</calledDirectoryNumber>
               <autoOriginate>doNotPrompt</autoOriginate>"#,
            M::MakeCall {
                calling_device: s("100"),
                called_directory_number: s("200"),
            },
        ),
        (
            "AnswerCall",
            "<callToBeAnswered><callID>C1</callID><deviceID>100</deviceID></callToBeAnswered>",
            M::AnswerCall { call: c1() },
        ),
        (
            "ClearConnection",
            "<connectionToBeCleared><deviceID>100</deviceID></connectionToBeCleared>",
            M::ClearConnection {
                connection: conn(None, Some("100")),
            },
        ),
        (
            "ClearCall",
            "<callToBeCleared><callID>C1</callID></callToBeCleared>",
            M::ClearCall {
                call: conn(Some("C1"), None),
            },
        ),
        (
            "HoldCall",
            "<callToBeHeld><callID>C1</callID><deviceID>100</deviceID></callToBeHeld>\
             <connectionReservation>true</connectionReservation>",
            M::HoldCall { call: c1() },
        ),
        (
            "RetrieveCall",
            "<callToBeRetrieved><callID>C1</callID><deviceID>100</deviceID>\
             </callToBeRetrieved>",
            M::RetrieveCall { call: c1() },
        ),
        (
            "ConsultationCall",
            "<existingCall><callID>C1</callID><deviceID>100</deviceID></existingCall>\
             <consultedDevice>300</consultedDevice>",
            M::ConsultationCall {
                existing_call: c1(),
                consulted_device: s("300"),
            },
        ),
        (
            "TransferCall",
            "<heldCall><callID>C1</callID><deviceID>100</deviceID></heldCall>\
             <activeCall><callID>C2</callID><deviceID>100</deviceID></activeCall>",
            M::TransferCall {
                held_call: c1(),
                active_call: c2(),
            },
        ),
        (
            "SingleStepTransferCall",
            "<activeCall><callID>C1</callID><deviceID>100</deviceID></activeCall>\
             <transferredTo>400</transferredTo>",
            M::SingleStepTransferCall {
                active_call: c1(),
                transferred_to: s("400"),
            },
        ),
        (
            "ConferenceCall",
            "<heldCall><callID>C1</callID><deviceID>100</deviceID></heldCall>\
             <activeCall><callID>C2</callID><deviceID>100</deviceID></activeCall>",
            M::ConferenceCall {
                held_call: c1(),
                active_call: c2(),
            },
        ),
        (
            "ReconnectCall",
            "<activeCall><callID>C2</callID><deviceID>100</deviceID></activeCall>\
             <heldCall><callID>C1</callID><deviceID>100</deviceID></heldCall>",
            M::ReconnectCall {
                active_call: c2(),
                held_call: c1(),
            },
        ),
        (
            "AlternateCall",
            "<heldCall><callID>C1</callID><deviceID>100</deviceID></heldCall>\
             <activeCall><callID>C2</callID><deviceID>100</deviceID></activeCall>",
            M::AlternateCall {
                held_call: c1(),
                active_call: c2(),
            },
        ),
        (
            "ConsultationCallResponse",
            "<initiatedCall><callID>C2</callID><deviceID>100</deviceID></initiatedCall>",
            M::ConsultationCallResponse {
                initiated_call: c2(),
            },
        ),
        (
            "DeflectCall",
            "<callToBeDiverted><callID>C1</callID><deviceID>100</deviceID></callToBeDiverted>\
             <newDestination>500</newDestination>",
            M::DeflectCall {
                call: c1(),
                new_destination: s("500"),
            },
        ),
        (
            "DeflectCall",
            "<callToBeDiverted><callID>C1</callID><deviceID>100</deviceID></callToBeDiverted>\
             <newDestination><device>600</device><device>700</device></newDestination>",
            M::DeflectCall {
                call: c1(),
                new_destination: s("600"),
            },
        ),
        (
            "GenerateDigits",
            "<connectionToSendDigits><callID>C1</callID><deviceID>100</deviceID>\
             </connectionToSendDigits><digitMode>dTMF</digitMode>\
             <charactersToSend>12*#</charactersToSend>",
            M::GenerateDigits {
                connection: c1(),
                digits: s("12*#"),
            },
        ),
        (
            "SetDoNotDisturb",
            "<device>100</device><doNotDisturbOn>0</doNotDisturbOn>",
            M::SetDoNotDisturb {
                device: s("100"),
                on: false,
            },
        ),
        (
            "SetDoNotDisturb",
            "<device>100</device><doNotDisturbOn>1</doNotDisturbOn>",
            M::SetDoNotDisturb {
                device: s("100"),
                on: true,
            },
        ),
        (
            "SetForwarding",
            "<device>100</device><forwardingType/><activateForward>false</activateForward>\
             <forwardDN></forwardDN><ringCount/>",
            M::SetForwarding {
                device: s("100"),
                forwarding_type: None,
                activate: false,
                forward_dn: None,
            },
        ),
        (
            "SystemRegister",
            "<requestTypes><systemStatus>false</systemStatus></requestTypes>",
            M::SystemRegister {
                system_status: false,
            },
        ),
        (
            "SystemRegister",
            "",
            M::SystemRegister {
                system_status: true,
            },
        ),
        (
            "SystemRegister",
            "<requestTypes><requestSystemStatus>true</requestSystemStatus></requestTypes>",
            M::SystemRegister {
                system_status: true,
            },
        ),
        (
            "SystemRegisterCancel",
            "<sysStatRegisterID>27ss</sysStatRegisterID>",
            M::SystemRegisterCancel {
                register_id: s("27ss"),
            },
        ),
        (
            "SystemStatus",
            "<sysStatRegisterID>1</sysStatRegisterID><systemStatus>normal</systemStatus>",
            M::SystemStatus {
                status: s("normal"),
            },
        ),
        (
            "SystemRegisterCancelResponse",
            "",
            M::SystemRegisterCancelResponse,
        ),
        (
            "MonitorStopResponse",
            "<extensions/>",
            M::MonitorStopResponse,
        ),
        (
            "StopApplicationSessionPosResponse",
            "",
            M::StopApplicationSessionPosResponse,
        ),
        (
            "StopApplicationSession",
            "<sessionID>S1</sessionID><sessionEndReason><definedEndReason>normal\
             </definedEndReason></sessionEndReason>",
            M::StopApplicationSession {
                session_id: s("S1"),
            },
        ),
        (
            "StartApplicationSession",
            "<applicationInfo><applicationID/></applicationInfo>\
             <requestedProtocolVersions><protocolVersion>a</protocolVersion>\
             <protocolVersion/><other>x</other><protocolVersion> b </protocolVersion>\
             </requestedProtocolVersions><requestedSessionDuration/>",
            M::StartApplicationSession {
                application_id: s(""),
                protocol_versions: vec![s("a"), s("b")],
                requested_duration: None,
            },
        ),
        (
            "StartApplicationSessionNegResponse",
            "<errorCode><definedError>serverResourcesBusy</definedError></errorCode>",
            M::StartApplicationSessionNegResponse {
                error: s("serverResourcesBusy"),
            },
        ),
        (
            "ResetApplicationSessionTimerPosResponse",
            "<actualSessionDuration> 4294967295 </actualSessionDuration>",
            M::ResetApplicationSessionTimerPosResponse {
                duration: Some(u32::MAX),
            },
        ),
        (
            "SnapshotDeviceResponse",
            "<crossRefIDorSnapshotData><snapshotData><snapshotDeviceResponseInfo>\
             <connectionIdentifier><callID>C1</callID><deviceID>100</deviceID>\
             </connectionIdentifier><localCallState><compoundCallState>\
             <localConnectionState>hold</localConnectionState>\
             </compoundCallState></localCallState></snapshotDeviceResponseInfo>\
             <snapshotDeviceResponseInfo><connectionIdentifier><deviceID>100</deviceID>\
             </connectionIdentifier><localCallState><simpleCallState>callQueued\
             </simpleCallState></localCallState></snapshotDeviceResponseInfo>\
             <snapshotDeviceResponseInfo/></snapshotData></crossRefIDorSnapshotData>",
            M::SnapshotDeviceResponse {
                items: vec![
                    SnapshotItem {
                        call_id: s("C1"),
                        device_id: s("100"),
                        local_call_state: s("hold"),
                    },
                    SnapshotItem {
                        call_id: s(""),
                        device_id: s("100"),
                        local_call_state: s("callQueued"),
                    },
                    SnapshotItem::default(),
                ],
            },
        ),
        (
            "SnapshotDeviceResponse",
            "<crossRefIDorSnapshotData><serviceCrossRefID>9</serviceCrossRefID>\
             </crossRefIDorSnapshotData>",
            M::SnapshotDeviceResponse { items: vec![] },
        ),
        (
            "CSTAErrorCode",
            "<operation>invalidMonitorCrossRefID</operation>",
            M::ErrorCode {
                category: s("operation"),
                value: s("invalidMonitorCrossRefID"),
            },
        ),
        (
            "CSTAErrorCode",
            "<unspecified/>",
            M::ErrorCode {
                category: s("unspecified"),
                value: s(""),
            },
        ),
    ];
    for (root, body, want) in cases {
        let got = message(&doc(root, body));
        assert_eq!(got, Ok(want), "{root}: {body}");
    }
}

#[test]
fn contact_centre_requests() {
    use Message as M;
    let ok: Vec<(&str, &str, Message)> = vec![
        (
            "SetAgentState",
            "<device>2002</device><requestedAgentState>ready</requestedAgentState>\
             <agentID>a7</agentID><group>5000</group>",
            M::SetAgentState {
                device: s("2002"),
                requested_state: s("ready"),
                agent_id: Some(s("a7")),
                group: Some(s("5000")),
            },
        ),
        (
            "GetAgentState",
            "<device>2002</device>",
            M::GetAgentState { device: s("2002") },
        ),
        (
            "RouteRegister",
            "<routeingDevice>6000</routeingDevice>",
            M::RouteRegister {
                device: Some(s("6000")),
            },
        ),
        ("RouteRegister", "", M::RouteRegister { device: None }),
        (
            "RouteRegisterCancel",
            "<routeRegisterReqID>r1</routeRegisterReqID>",
            M::RouteRegisterCancel {
                register_id: s("r1"),
            },
        ),
        (
            "RouteSelect",
            "<crossRefIdentifier>x1</crossRefIdentifier><routeRegisterReqID>r1</routeRegisterReqID>\
             <routeSelected>2002</routeSelected><routeUsedReq>false</routeUsedReq>",
            M::RouteSelect {
                cross_ref: s("x1"),
                register_id: Some(s("r1")),
                route_selected: s("2002"),
            },
        ),
        (
            "RouteEnd",
            "<crossRefIdentifier>x1</crossRefIdentifier>",
            M::RouteEnd {
                cross_ref: s("x1"),
                register_id: None,
                error: None,
            },
        ),
        (
            "RouteEnd",
            "<crossRefIdentifier>x1</crossRefIdentifier><routeRegisterReqID>r1</routeRegisterReqID>\
             <errorValue><operation>generic</operation></errorValue>",
            M::RouteEnd {
                cross_ref: s("x1"),
                register_id: Some(s("r1")),
                error: Some((s("operation"), s("generic"))),
            },
        ),
        (
            "PlayMessage",
            "<messageToBePlayed>1</messageToBePlayed>\
             <overConnection><callID>9:1</callID><deviceID>6000</deviceID></overConnection>\
             <duration>5000</duration>",
            M::PlayMessage {
                message: s("1"),
                connection: conn(Some("9:1"), Some("6000")),
            },
        ),
    ];
    for (root, body, want) in ok {
        assert_eq!(message(&doc(root, body)), Ok(want), "{root}: {body}");
    }
    let bad: &[(&str, &str, ParseError)] = &[
        (
            "SetAgentState",
            "<device>2002</device><requestedAgentState>busy</requestedAgentState>",
            invalid("SetAgentState", "requestedAgentState", "busy"),
        ),
        (
            "SetAgentState",
            "<requestedAgentState>ready</requestedAgentState>",
            missing("SetAgentState", "device"),
        ),
        ("GetAgentState", "", missing("GetAgentState", "device")),
        (
            "RouteRegisterCancel",
            "",
            missing("RouteRegisterCancel", "routeRegisterReqID"),
        ),
        (
            "RouteSelect",
            "<crossRefIdentifier>x1</crossRefIdentifier>",
            missing("RouteSelect", "routeSelected"),
        ),
        (
            "RouteSelect",
            "<crossRefIdentifier>x1</crossRefIdentifier><routeSelected/>",
            invalid("RouteSelect", "routeSelected", ""),
        ),
        ("RouteEnd", "", missing("RouteEnd", "crossRefIdentifier")),
        (
            "PlayMessage",
            "<messageToBePlayed>1</messageToBePlayed>",
            missing("PlayMessage", "overConnection"),
        ),
    ];
    for (root, body, want) in bad {
        assert_eq!(
            message(&doc(root, body)),
            Err(want.clone()),
            "{root}: {body}"
        );
    }
}
