//! A test CA that signs the CSRs of pending operations, and certificates for a key the vault
//! does not hold.

pub struct TestCa {
    key: rcgen::KeyPair,
    params: rcgen::CertificateParams,
    pub der: Vec<u8>,
}

impl TestCa {
    pub fn new() -> Self {
        let key = rcgen::KeyPair::generate().expect("CA key");
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "Certkeep Test External CA");
        let der = params.self_signed(&key).expect("CA cert").der().to_vec();
        Self { key, params, der }
    }

    /// Signs a PKCS#10 request (DER) as Key Vault's CSR gives it.
    pub fn sign_csr(&self, csr_der: &[u8]) -> Vec<u8> {
        let issuer = rcgen::Issuer::new(self.params.clone(), &self.key);
        let csr = rcgen::CertificateSigningRequestParams::from_der(&csr_der.to_vec().into())
            .expect("the CSR parses");
        csr.signed_by(&issuer).expect("signed").der().to_vec()
    }

    /// A certificate for a fresh key (not the vault's).
    pub fn sign_other_key(&self, dns: &str) -> Vec<u8> {
        let issuer = rcgen::Issuer::new(self.params.clone(), &self.key);
        let other = rcgen::KeyPair::generate().expect("key");
        let mut p = rcgen::CertificateParams::new(vec![dns.to_string()]).expect("params");
        p.distinguished_name.push(rcgen::DnType::CommonName, dns);
        p.signed_by(&other, &issuer).expect("signed").der().to_vec()
    }
}
