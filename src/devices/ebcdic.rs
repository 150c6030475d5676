//! EBCDIC code page 037 and ASCII, for the text of consoles, printers,
//! card decks and DASD labels (which the devices and volumes hold in
//! EBCDIC).
//!
//! ```
//! use s390_cio::devices::ebcdic;
//! assert_eq!(ebcdic::from_ascii(b'A'), 0xc1);
//! assert_eq!(ebcdic::to_ascii(0xc1), b'A');
//! assert_eq!(ebcdic::to_ascii(0x00), b'?');
//! ```

/// Code page 037 of ASCII 0x20 (blank) to 0x7e (`~`).
const PRINTABLE: [u8; 95] = [
    0x40, 0x5a, 0x7f, 0x7b, 0x5b, 0x6c, 0x50, 0x7d, 0x4d, 0x5d, 0x5c, 0x4e, 0x6b, 0x60, 0x4b,
    0x61, // ' ' to '/'
    0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, // '0' to '9'
    0x7a, 0x5e, 0x4c, 0x7e, 0x6e, 0x6f, 0x7c, // ':' to '@'
    0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, // 'A' to 'I'
    0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, // 'J' to 'R'
    0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, // 'S' to 'Z'
    0xba, 0xe0, 0xbb, 0xb0, 0x6d, 0x79, // '[' to '`'
    0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, // 'a' to 'i'
    0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, // 'j' to 'r'
    0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, // 's' to 'z'
    0xc0, 0x4f, 0xd0, 0xa1, // '{' to '~'
];

/// The EBCDIC code of ASCII `?`, for what has no counterpart.
const QUESTION_MARK: u8 = 0x6f;

/// ASCII of every EBCDIC byte: the inverse of [`PRINTABLE`], `?` elsewhere.
const TO_ASCII: [u8; 256] = {
    let mut table = [b'?'; 256];
    let mut ascii = 0;
    while ascii < PRINTABLE.len() {
        table[PRINTABLE[ascii] as usize] = 0x20 + ascii as u8;
        ascii += 1;
    }
    table
};

/// Code page 037 for ASCII 0x20-0x7e; other bytes become `?` (0x6f).
pub fn from_ascii(byte: u8) -> u8 {
    match byte {
        0x20..=0x7e => PRINTABLE[usize::from(byte - 0x20)],
        _ => QUESTION_MARK,
    }
}

/// ASCII for a code page 037 byte; bytes without a printable ASCII
/// counterpart become `?`.
pub fn to_ascii(byte: u8) -> u8 {
    TO_ASCII[usize::from(byte)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_ascii_round_trips() {
        for ascii in 0x20..=0x7e {
            assert_eq!(to_ascii(from_ascii(ascii)), ascii, "{ascii:#04x}");
        }
    }

    #[test]
    fn code_page_037_letters_digits_and_blank() {
        assert_eq!(from_ascii(b' '), 0x40);
        assert_eq!(from_ascii(b'a'), 0x81);
        assert_eq!(from_ascii(b'J'), 0xd1);
        assert_eq!(from_ascii(b'0'), 0xf0);
        assert_eq!(to_ascii(0xe9), b'Z');
    }

    #[test]
    fn unprintable_bytes_become_question_marks() {
        assert_eq!(from_ascii(b'\n'), QUESTION_MARK);
        assert_eq!(to_ascii(0x00), b'?');
        assert_eq!(to_ascii(0xff), b'?');
    }
}
