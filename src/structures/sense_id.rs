//! The data the SENSE ID command returns: control-unit and device type and
//! model, and command-information words (CIWs).

use core::fmt;

use super::DecodeError;

/// What a CIW describes (bits 4-7 of its byte 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum CiwType {
    /// 0: read configuration data (RCD).
    ReadConfigurationData,
    /// 1: set interface identifier (SII).
    SetInterfaceIdentifier,
    /// 2: read node identifier (RNI).
    ReadNodeIdentifier,
    /// Any other type, kept as found.
    Unknown(u8),
}

impl CiwType {
    /// The type of code `code` (low 4 bits).
    pub const fn from_code(code: u8) -> Self {
        match code & 0xF {
            0 => Self::ReadConfigurationData,
            1 => Self::SetInterfaceIdentifier,
            2 => Self::ReadNodeIdentifier,
            other => Self::Unknown(other),
        }
    }

    /// The 4-bit code.
    pub const fn code(self) -> u8 {
        match self {
            Self::ReadConfigurationData => 0,
            Self::SetInterfaceIdentifier => 1,
            Self::ReadNodeIdentifier => 2,
            Self::Unknown(other) => other & 0xF,
        }
    }
}

/// A command-information word: which command code and byte count the
/// device wants for a function (4 bytes: `01` tag and type, command code,
/// count).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Ciw {
    /// What the command does.
    pub kind: CiwType,
    /// The command code to use.
    pub command: u8,
    /// The byte count to use.
    pub count: u16,
}

/// Bits 0-1 of a CIW's byte 0 are `01`.
const CIW_TAG: u8 = 0x40;
const CIW_TAG_MASK: u8 = 0xC0;
/// CIWs start at byte 8.
const CIW_OFFSET: usize = 8;

impl Ciw {
    /// The CIW in `bytes`, or `None` if its tag bits are not `01`.
    pub const fn from_bytes(bytes: [u8; 4]) -> Option<Self> {
        if bytes[0] & CIW_TAG_MASK != CIW_TAG {
            return None;
        }
        Some(Self {
            kind: CiwType::from_code(bytes[0]),
            command: bytes[1],
            count: u16::from_be_bytes([bytes[2], bytes[3]]),
        })
    }

    /// The 4-byte image of the CIW.
    pub const fn to_bytes(self) -> [u8; 4] {
        let c = self.count.to_be_bytes();
        [CIW_TAG | self.kind.code(), self.command, c[0], c[1]]
    }
}

/// The reply to SENSE ID (command 0xE4), kept with its length: byte 0 is
/// 0xFF, bytes 1-2 the control-unit type, byte 3 its model, bytes 4-5 the
/// device type, byte 6 its model, byte 7 reserved, and from byte 8 on
/// 4-byte CIWs.
///
/// Read it into a buffer of [`SenseId::BUFFER_LEN`] bytes with the SLI
/// flag, then decode the bytes the residual count says arrived.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SenseId {
    bytes: [u8; SenseId::BUFFER_LEN],
    len: usize,
}

impl SenseId {
    /// The largest reply kept, and the buffer size to read SENSE ID into.
    pub const BUFFER_LEN: usize = 256;

    /// Decodes a SENSE ID reply of any length: at least 4 bytes (byte 0 and
    /// the control unit) are needed, byte 0 must be 0xFF, and bytes past
    /// [`Self::BUFFER_LEN`] are ignored.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        match bytes.first() {
            None => return Err(DecodeError::TooShort { needed: 4, got: 0 }),
            Some(&0xFF) => {}
            Some(&other) => {
                return Err(DecodeError::InvalidValue {
                    field: "sense id byte 0",
                    value: u32::from(other),
                })
            }
        }
        if bytes.len() < 4 {
            return Err(DecodeError::TooShort {
                needed: 4,
                got: bytes.len(),
            });
        }
        let mut out = Self {
            bytes: [0; Self::BUFFER_LEN],
            len: bytes.len().min(Self::BUFFER_LEN),
        };
        for (dst, src) in out.bytes.iter_mut().zip(bytes) {
            *dst = *src;
        }
        Ok(out)
    }

    /// A reply with the given control unit and device and no CIW, as a
    /// device (or a simulator) builds it.
    pub const fn new(
        control_unit_type: u16,
        control_unit_model: u8,
        device_type: u16,
        device_model: u8,
    ) -> Self {
        let mut bytes = [0; Self::BUFFER_LEN];
        let cu = control_unit_type.to_be_bytes();
        let dev = device_type.to_be_bytes();
        bytes[0] = 0xFF;
        bytes[1] = cu[0];
        bytes[2] = cu[1];
        bytes[3] = control_unit_model;
        bytes[4] = dev[0];
        bytes[5] = dev[1];
        bytes[6] = device_model;
        Self {
            bytes,
            len: CIW_OFFSET,
        }
    }

    /// The reply with `ciw` appended, or `None` if it would not fit in
    /// [`Self::BUFFER_LEN`] bytes.
    pub const fn with_ciw(mut self, ciw: Ciw) -> Option<Self> {
        let at = if self.len < CIW_OFFSET {
            CIW_OFFSET
        } else {
            self.len
        };
        if at + 4 > Self::BUFFER_LEN {
            return None;
        }
        let b = ciw.to_bytes();
        self.bytes[at] = b[0];
        self.bytes[at + 1] = b[1];
        self.bytes[at + 2] = b[2];
        self.bytes[at + 3] = b[3];
        self.len = at + 4;
        Some(self)
    }

    /// The reply's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }

    /// The reply's length in bytes.
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Whether the reply is empty (never, for a decoded reply).
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Control-unit type (bytes 1-2), e.g. 0x3990.
    pub const fn control_unit_type(&self) -> u16 {
        u16::from_be_bytes([self.bytes[1], self.bytes[2]])
    }

    /// Control-unit model (byte 3).
    pub const fn control_unit_model(&self) -> u8 {
        self.bytes[3]
    }

    /// Device type (bytes 4-5), if the reply has it (7 bytes or more).
    pub const fn device_type(&self) -> Option<u16> {
        if self.len >= 7 {
            Some(u16::from_be_bytes([self.bytes[4], self.bytes[5]]))
        } else {
            None
        }
    }

    /// Device model (byte 6), if the reply has it.
    pub const fn device_model(&self) -> Option<u8> {
        if self.len >= 7 {
            Some(self.bytes[6])
        } else {
            None
        }
    }

    /// The CIWs, from byte 8 up to the first 4 bytes that are not one.
    pub fn ciws(&self) -> CiwIter<'_> {
        CiwIter {
            rest: self.as_bytes().get(CIW_OFFSET..).unwrap_or_default(),
        }
    }

    /// The first CIW of type `kind`.
    pub fn ciw(&self, kind: CiwType) -> Option<Ciw> {
        self.ciws().find(|c| c.kind == kind)
    }
}

impl fmt::Debug for SenseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("SenseId");
        s.field(
            "control_unit",
            &format_args!(
                "{:04x}-{:02x}",
                self.control_unit_type(),
                self.control_unit_model()
            ),
        );
        if let (Some(t), Some(m)) = (self.device_type(), self.device_model()) {
            s.field("device", &format_args!("{t:04x}-{m:02x}"));
        }
        s.field("ciws", &format_args!("{}", self.ciws().count()));
        s.finish()
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for SenseId {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "SenseId {{ control_unit: {=u16:x}-{=u8:x}, device: {}, len: {=usize} }}",
            self.control_unit_type(),
            self.control_unit_model(),
            self.device_type(),
            self.len
        );
    }
}

/// Iterator over the CIWs of a [`SenseId`].
#[derive(Debug, Clone)]
pub struct CiwIter<'a> {
    rest: &'a [u8],
}

impl Iterator for CiwIter<'_> {
    type Item = Ciw;

    fn next(&mut self) -> Option<Ciw> {
        let (&[a, b, c, d], rest) = self.rest.split_first_chunk::<4>()?;
        match Ciw::from_bytes([a, b, c, d]) {
            Some(ciw) => {
                self.rest = rest;
                Some(ciw)
            }
            None => {
                self.rest = &[];
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HERCULES_3390: [u8; 12] = [
        0xFF, 0x39, 0x90, 0xC2, 0x33, 0x90, 0x02, 0x00, 0x40, 0xFA, 0x01, 0x00,
    ];

    #[test]
    fn hercules_3390() {
        let id = SenseId::from_bytes(&HERCULES_3390).unwrap();
        assert_eq!(id.control_unit_type(), 0x3990);
        assert_eq!(id.control_unit_model(), 0xC2);
        assert_eq!(id.device_type(), Some(0x3390));
        assert_eq!(id.device_model(), Some(0x02));
        let rcd = Ciw {
            kind: CiwType::ReadConfigurationData,
            command: 0xFA,
            count: 0x0100,
        };
        assert_eq!(id.ciws().collect::<Vec<_>>(), [rcd]);
        assert_eq!(id.ciw(CiwType::ReadConfigurationData), Some(rcd));
        assert_eq!(id.ciw(CiwType::ReadNodeIdentifier), None);
        assert_eq!(id.as_bytes(), HERCULES_3390);
        let built = SenseId::new(0x3990, 0xC2, 0x3390, 0x02)
            .with_ciw(rcd)
            .unwrap();
        assert_eq!(built, id);
    }

    #[test]
    fn truncated_replies() {
        assert_eq!(
            SenseId::from_bytes(&[]),
            Err(DecodeError::TooShort { needed: 4, got: 0 })
        );
        assert_eq!(
            SenseId::from_bytes(&[0xFF, 0x39]),
            Err(DecodeError::TooShort { needed: 4, got: 2 })
        );
        let id = SenseId::from_bytes(&HERCULES_3390[..4]).unwrap();
        assert_eq!(id.control_unit_type(), 0x3990);
        assert_eq!(id.device_type(), None);
        assert_eq!(id.device_model(), None);
        let id = SenseId::from_bytes(&HERCULES_3390[..7]).unwrap();
        assert_eq!(id.device_type(), Some(0x3390));
        assert_eq!(id.ciws().count(), 0);
        // A partial CIW is no CIW.
        let id = SenseId::from_bytes(&HERCULES_3390[..11]).unwrap();
        assert_eq!(id.ciws().count(), 0);
    }

    #[test]
    fn byte_0_must_be_ff() {
        assert_eq!(
            SenseId::from_bytes(&[0x00, 0x39, 0x90, 0xC2]),
            Err(DecodeError::InvalidValue {
                field: "sense id byte 0",
                value: 0
            })
        );
    }

    #[test]
    fn ciws_stop_at_the_first_non_ciw_and_keep_unknown_types() {
        let mut bytes = HERCULES_3390.to_vec();
        bytes.extend_from_slice(&[0x43, 0x99, 0x00, 0x10]); // unknown type 3
        bytes.extend_from_slice(&[0x00, 0x00, 0x00, 0x00]); // not a CIW
        bytes.extend_from_slice(&[0x41, 0x81, 0x00, 0x04]); // after the end
        let id = SenseId::from_bytes(&bytes).unwrap();
        let ciws: Vec<Ciw> = id.ciws().collect();
        assert_eq!(ciws.len(), 2);
        assert_eq!(ciws[1].kind, CiwType::Unknown(3));
        assert_eq!(ciws[1].to_bytes(), [0x43, 0x99, 0x00, 0x10]);
    }

    #[test]
    fn from_bytes_is_total() {
        let long = [0xFFu8; 300];
        for len in 0..300 {
            let result = SenseId::from_bytes(&long[..len]);
            if len < 4 {
                assert!(result.is_err());
            } else {
                let id = result.unwrap();
                assert_eq!(id.len(), len.min(SenseId::BUFFER_LEN));
                assert_eq!(id.ciws().count(), 0); // 0xFF has tag 11
            }
        }
        let mut all_ciws = [0x41u8; 300];
        all_ciws[0] = 0xFF;
        let id = SenseId::from_bytes(&all_ciws).unwrap();
        assert_eq!(id.ciws().count(), (SenseId::BUFFER_LEN - 8) / 4);
    }

    #[test]
    fn with_ciw_stops_when_full() {
        let ciw = Ciw {
            kind: CiwType::SetInterfaceIdentifier,
            command: 0x12,
            count: 4,
        };
        let mut id = SenseId::new(0x3832, 1, 0x3832, 1);
        let mut n = 0;
        while let Some(next) = id.with_ciw(ciw) {
            id = next;
            n += 1;
        }
        assert_eq!(n, (SenseId::BUFFER_LEN - 8) / 4);
        assert_eq!(id.len(), SenseId::BUFFER_LEN);
    }
}
