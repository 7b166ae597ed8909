//! The repository's master key and the restic file format around it: AES-256-CTR with Poly1305-AES
//! (a 16-byte IV, the ciphertext, a 16-byte MAC), JSON that format version 2 may zstd-compress behind a
//! 0x02 byte, and files named by the SHA-256 of their stored bytes. Locks and the index files written for
//! leftover packs are made with it; rustic_core keeps its own copy of the key for everything else.
use super::storage::Storage;
use aes256ctr_poly1305aes::Aes256CtrPoly1305Aes;
use aes256ctr_poly1305aes::aead::{Aead, AeadInPlace};
use sha2::{Digest, Sha256};

/// The repository's master key (restic's encryption and MAC keys).
#[derive(Clone)]
pub struct RepoKey(aes256ctr_poly1305aes::Key);

impl RepoKey {
    /// From the AES key and the Poly1305 `k` and `r` of the master key.
    pub fn new(encrypt: &[u8], k: &[u8], r: &[u8]) -> Option<Self> {
        if encrypt.len() != 32 || k.len() != 16 || r.len() != 16 {
            return None;
        }
        let mut key = aes256ctr_poly1305aes::Key::default();
        key[..32].copy_from_slice(encrypt);
        key[32..48].copy_from_slice(k);
        key[48..].copy_from_slice(r);
        Some(RepoKey(key))
    }

    pub fn encrypt(&self, data: &[u8]) -> std::io::Result<Vec<u8>> {
        let mut nonce = aes256ctr_poly1305aes::aead::Nonce::<Aes256CtrPoly1305Aes>::default();
        getrandom::getrandom(&mut nonce)
            .map_err(|e| std::io::Error::other(format!("no randomness to encrypt with: {e}")))?;
        let mut out = Vec::with_capacity(data.len() + 32);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(data);
        let tag = Aes256CtrPoly1305Aes::new(&self.0)
            .encrypt_in_place_detached(&nonce, &[], &mut out[16..])
            .map_err(|e| std::io::Error::other(format!("cannot encrypt: {e}")))?;
        out.extend_from_slice(&tag);
        Ok(out)
    }

    /// The plaintext, or None when the data is too short or was not made with this key.
    pub fn decrypt(&self, data: &[u8]) -> Option<Vec<u8>> {
        if data.len() < 32 {
            return None;
        }
        let nonce =
            aes256ctr_poly1305aes::aead::Nonce::<Aes256CtrPoly1305Aes>::from_slice(&data[..16]);
        Aes256CtrPoly1305Aes::new(&self.0)
            .decrypt(nonce, &data[16..])
            .ok()
    }

    /// A decrypted JSON file's value (compressed or not), or None when it cannot be read.
    pub fn open_json<T: serde::de::DeserializeOwned>(&self, data: &[u8]) -> Option<T> {
        let plain = self.decrypt(data)?;
        serde_json::from_slice(&unpacked(&plain)?).ok()
    }

    /// Stores `value` as an encrypted JSON file in `dir`, named by its hash; returns the name.
    pub fn save_json<T: serde::Serialize>(
        &self,
        storage: &dyn Storage,
        dir: &str,
        value: &T,
    ) -> std::io::Result<String> {
        let plain = serde_json::to_vec(value).map_err(std::io::Error::other)?;
        let data = self.encrypt(&plain)?;
        let name = hex::encode(Sha256::digest(&data));
        storage.write(dir, &name, &data)?;
        Ok(name)
    }
}

/// The JSON of a decrypted file: as it is, or (format version 2) zstd-compressed after a 0x02 byte.
fn unpacked(plain: &[u8]) -> Option<Vec<u8>> {
    match plain.first() {
        Some(b'{') | Some(b'[') => Some(plain.to_vec()),
        Some(2) => zstd::decode_all(&plain[1..]).ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::LocalStorage;

    #[test]
    fn json_files_round_trip_compressed_or_not_and_only_with_their_key() {
        let dir = tempfile::TempDir::new().unwrap();
        let storage = LocalStorage::new(dir.path().to_path_buf());
        storage.create().unwrap();
        let key = RepoKey::new(&[1; 32], &[2; 16], &[3; 16]).unwrap();
        let value = serde_json::json!({"a": [1, 2, 3]});
        let name = key.save_json(&storage, "index", &value).unwrap();
        let data = storage.read("index", &name, None).unwrap();
        assert_eq!(hex::encode(Sha256::digest(&data)), name);
        assert_eq!(key.open_json::<serde_json::Value>(&data), Some(value));
        let plain = key.decrypt(&data).unwrap();
        let mut packed = vec![2u8];
        packed.extend(zstd::encode_all(&plain[..], 3).unwrap());
        assert_eq!(unpacked(&packed).unwrap(), plain);
        assert!(unpacked(b"garbage").is_none());
        let other = RepoKey::new(&[1; 32], &[7; 16], &[3; 16]).unwrap();
        assert!(other.decrypt(&data).is_none());
        assert!(RepoKey::new(&[1; 31], &[2; 16], &[3; 16]).is_none());
    }
}
