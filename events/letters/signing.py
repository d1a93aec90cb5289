"""Digital signatures of letters: PAdES baseline B-B with pyHanko, and where the key comes from.

Where the key comes from
------------------------
* **Configured** (production, and anywhere the variables are set), read here rather than in
  ``events/settings.py``:

  - ``LETTER_SIGNING_KEY``: path of the private key (PEM or DER, PKCS#8 or traditional), or of a
    PKCS#12 file (``.p12``/``.pfx``) holding key and certificate;
  - ``LETTER_SIGNING_CERT``: path of the certificate (PEM or DER); a PEM file may continue with
    the intermediate certificates, which are embedded so a reader can build the chain; not
    needed with PKCS#12;
  - ``LETTER_SIGNING_KEY_PASSWORD``: the password of an encrypted key or PKCS#12 file.

  A missing file, a wrong password, a key that is not the certificate's, or an expired
  certificate is a :class:`SigningConfigurationError` that names the variable.
* **Development key** (``ENVIRONMENT`` development or test, nothing configured): a self-signed
  ECDSA P-256 certificate and its key in ``DATA_DIR/letters/`` (files 0600, folder 0700; one
  made as RSA-2048 by an earlier version keeps working), created by ``events letters keys init``
  or, failing that, on the first letter issued. Letters are always signed, in development too,
  so every environment exercises the same path; a reader shows such a signature as "valid but not trusted" (self-signed).
* **Production without configuration** refuses to issue letters (the service answers 409
  naming the variables), rather than issue unsigned or self-signed official letters.

Speed
-----
pyHanko's ``SimpleSigner`` parses the private key again for every signature; with
``cryptography`` ≥ 42 that RSA key check costs ~70 ms. :class:`_LoadedKeySigner` keeps the
parsed key. The space reserved for the CMS blob is measured once per key (a dry run) instead of
by pyHanko's default trial signature on every letter. Building the CMS structure with asn1crypto
(~15–25 ms, most of a signature) happens once per key too: the signer fills a template of its
container with each letter's digest and signature (:class:`_CmsTemplate`), ~0.1 ms. What remains
(~3–4 ms) is pyHanko's incremental update of the PDF (reading it, adding the signature field,
hashing). The key itself costs ~0.5 ms with RSA-2048 and ~0.1 ms with ECDSA P-256, which is what
development keys are; any key a reader accepts can be configured.
"""

from __future__ import annotations

import dataclasses
import datetime
import io
import os
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import cms
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from events import clock
from events.settings import ConfigurationError, Settings, get_settings

ENV_KEY = "LETTER_SIGNING_KEY"
ENV_CERT = "LETTER_SIGNING_CERT"
ENV_PASSWORD = "LETTER_SIGNING_KEY_PASSWORD"  # noqa: S105 (the variable's name)
KEY_FILE = "signing-key.pem"
CERT_FILE = "signing-cert.pem"
FIELD_NAME = "Signature"
DEVELOPMENT_VALIDITY = datetime.timedelta(days=5 * 365)


class SigningConfigurationError(ConfigurationError):
    """The signing key cannot be used; the message names the variable to fix."""


@dataclass(frozen=True)
class SigningIdentity:
    """A loaded key and certificate, ready to sign; shared by threads (read-only)."""

    signer: signers.SimpleSigner
    certificate: x509.Certificate
    source: str  # "LETTER_SIGNING_KEY=…" or "development key in …"
    development: bool
    reserve: int  # bytes reserved for the CMS signature
    chain: tuple[x509.Certificate, ...] = ()  # intermediates embedded after the certificate

    @property
    def subject(self) -> str:
        return self.certificate.subject.rfc4514_string()

    @property
    def sha256(self) -> str:
        return self.certificate.fingerprint(hashes.SHA256()).hex()

    @property
    def not_after(self) -> datetime.datetime:
        return self.certificate.not_valid_after_utc

    @property
    def certificate_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)


def _der(tag: int, content: bytes) -> bytes:
    """One DER element: tag, definite length, content."""
    size = len(content)
    if size < 0x80:
        return bytes((tag, size)) + content
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(length))) + length + content


@dataclass(frozen=True)
class _CmsTemplate:
    """A signature container of this signer cut around what changes from letter to letter: the
    document digest (inside the signed attributes) and the signature value. Everything else (the
    certificates, the signer's identifier, the other signed attributes) is the same DER each
    time, so it is kept as bytes instead of being built again by asn1crypto."""

    attributes_head: bytes  # the signed attributes (SET form, as signed) before the digest
    attributes_tail: bytes
    digest_size: int
    info_head: bytes  # SignerInfo: version, sid, digestAlgorithm
    info_middle: bytes  # SignerInfo: signatureAlgorithm
    info_tail: bytes  # SignerInfo: unsigned attributes (none here)
    data_head: bytes  # SignedData: everything before signerInfos
    content_type: bytes  # ContentInfo: the signedData OID

    @classmethod
    def cut(cls, container: cms.ContentInfo, digest: bytes) -> _CmsTemplate | None:
        """The template of ``container`` (made by pyHanko for ``digest``), or ``None`` if this
        container does not have the expected shape (then every letter goes through pyHanko)."""
        der = container.dump()
        parsed = cms.ContentInfo.load(der)
        data = parsed["content"]
        if len(data["signer_infos"]) != 1:
            return None
        info = data["signer_infos"][0]
        attributes = info["signed_attrs"].dump()
        signed = b"\x31" + attributes[1:]
        at = signed.find(digest)
        if not attributes.startswith(b"\xa0") or at < 0 or signed.count(digest) != 1:
            return None
        template = cls(
            attributes_head=signed[:at],
            attributes_tail=signed[at + len(digest) :],
            digest_size=len(digest),
            info_head=b"".join(info[name].dump() for name in ("version", "sid", "digest_algorithm")),
            info_middle=info["signature_algorithm"].dump(),
            info_tail=info["unsigned_attrs"].dump(),
            data_head=b"".join(
                data[name].dump()
                for name in ("version", "digest_algorithms", "encap_content_info", "certificates", "crls")
            ),
            content_type=parsed["content_type"].dump(),
        )
        rebuilt = template.assemble(template.signed_attributes(digest), info["signature"].native)
        return template if rebuilt == der else None

    def signed_attributes(self, digest: bytes) -> bytes:
        return self.attributes_head + digest + self.attributes_tail

    def assemble(self, signed_attributes: bytes, signature: bytes) -> bytes:
        info = _der(
            0x30,
            self.info_head
            + b"\xa0"
            + signed_attributes[1:]  # the same attributes, tagged [0] IMPLICIT in the SignerInfo
            + self.info_middle
            + _der(0x04, signature)
            + self.info_tail,
        )
        data = _der(0x30, self.data_head + _der(0x31, info))
        return _der(0x30, self.content_type + _der(0xA0, data))


class _LoadedKeySigner(signers.SimpleSigner):
    """``SimpleSigner`` that signs with a key parsed once, not once per signature, and fills a
    template of its signature container instead of building the CMS with asn1crypto each time
    (see :class:`_CmsTemplate`; that building was most of a signature's cost).

    The template is cut from the first container pyHanko builds for a letter and checked to give
    back that container byte for byte. Only plain PAdES signatures use it (no timestamp, no
    CAdES or Adobe revocation attributes): what varies between two of them is the digest and
    the signature, and the signing time is in the PDF's signature dictionary, not in the CMS.
    """

    def __init__(self, *, private_key, **kwargs) -> None:
        super().__init__(**kwargs)
        self._private_key = private_key
        self._templates: dict[str, _CmsTemplate | None] = {}

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        try:
            algorithm = mechanism.signature_algo
        except ValueError:
            algorithm = mechanism["algorithm"].native
        key = self._private_key
        digest = getattr(hashes, digest_algorithm.upper().replace("-", "_"))()
        if algorithm == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPrivateKey):
            return key.sign(data, padding.PKCS1v15(), digest)
        if algorithm == "ecdsa" and isinstance(key, ec.EllipticCurvePrivateKey):
            return key.sign(data, ec.ECDSA(digest))
        if algorithm == "ed25519" and isinstance(key, ed25519.Ed25519PrivateKey):
            return key.sign(data)
        return super().sign_raw(data, digest_algorithm)  # PSS and the rest: pyHanko's own way

    async def async_sign(
        self,
        data_digest: bytes,
        digest_algorithm: str,
        dry_run=False,
        use_pades=False,
        timestamper=None,
        signed_attr_settings=None,
        is_pdf_sig=True,
        encap_content_info=None,
    ) -> cms.ContentInfo:
        plain = (
            not dry_run
            and use_pades
            and is_pdf_sig
            and timestamper is None
            and encap_content_info is None
            and self.unsigned_attr_prov_spec is None
            and (
                signed_attr_settings is None
                or (
                    signed_attr_settings.cades_signed_attrs is None
                    and signed_attr_settings.adobe_revinfo_attr is None
                )
            )
        )
        algorithm = digest_algorithm.lower()
        template = self._templates.get(algorithm) if plain else None
        if template is None or len(data_digest) != template.digest_size:
            container = await super().async_sign(
                data_digest,
                digest_algorithm,
                dry_run=dry_run,
                use_pades=use_pades,
                timestamper=timestamper,
                signed_attr_settings=signed_attr_settings,
                is_pdf_sig=is_pdf_sig,
                encap_content_info=encap_content_info,
            )
            if plain and algorithm not in self._templates:
                self._templates[algorithm] = _CmsTemplate.cut(container, data_digest)
            return container
        attributes = template.signed_attributes(data_digest)
        signature = await self.async_sign_raw(attributes, algorithm)
        return cms.ContentInfo.load(template.assemble(attributes, signature))


# --- development key ----------------------------------------------------------------------------


def development_directory(settings: Settings | None = None) -> Path:
    return (settings or get_settings()).data_dir / "letters"


def create_development_key(
    directory: Path,
    *,
    common_name: str = "OneStop Events letters (development)",
    force: bool = False,
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | None = None,
) -> tuple[Path, Path]:
    """Write a self-signed certificate and its key into ``directory`` (0600 files): ``key``, or
    a new ECDSA P-256 key (it signs ~5× faster than RSA-2048, and readers accept it).

    Refuses to overwrite unless ``force``. Two processes creating it at once both end with the
    same pair: files are written under temporary names and linked into place, key first.
    """
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    key_path, cert_path = directory / KEY_FILE, directory / CERT_FILE
    if not force and (key_path.exists() or cert_path.exists()):
        raise FileExistsError(f"{key_path} or {cert_path} exists already (use --force to replace them)")
    key = key or ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "OneStop Events (development, not trusted)"),
        ]
    )
    moment = clock.now()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(moment - datetime.timedelta(minutes=5))
        .not_valid_after(moment + DEVELOPMENT_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # non-repudiation, what pyHanko asks of a document signer
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    cert_pem = certificate.public_bytes(serialization.Encoding.PEM)
    suffix = secrets.token_hex(6)
    written = []
    for path, content in ((key_path, key_pem), (cert_path, cert_pem)):
        temporary = path.with_name(f".{path.name}.{suffix}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        written.append((temporary, path))
    try:
        for temporary, path in written:
            if force:
                os.replace(temporary, path)
            else:
                os.link(temporary, path)  # fails if another process got there first
    finally:
        for temporary, _path in written:
            temporary.unlink(missing_ok=True)
    return key_path, cert_path


# --- loading ------------------------------------------------------------------------------------


def _read(variable: str, path: str) -> bytes:
    try:
        return Path(path).expanduser().read_bytes()
    except OSError as exc:
        raise SigningConfigurationError(f"{variable}: cannot read {path}: {exc.strerror or exc}") from exc


def _load_private_key(data: bytes, password: bytes | None, variable: str):
    loaders = (serialization.load_pem_private_key, serialization.load_der_private_key)
    problem = "not a private key (PEM or DER)"
    for loader in loaders:
        try:
            return loader(data, password=password)
        except TypeError as exc:  # encrypted without password, or password for a clear key
            problem = str(exc)
        except ValueError:
            continue
    if password is not None:
        problem = f"{problem}, or {ENV_PASSWORD} is wrong"
    raise SigningConfigurationError(f"{variable}: {problem}")


def _load_certificates(data: bytes, variable: str) -> list[x509.Certificate]:
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificates(data)
        return [x509.load_der_x509_certificate(data)]
    except ValueError as exc:
        raise SigningConfigurationError(f"{variable}: not a certificate (PEM or DER): {exc}") from exc


def _same_key(private_key, certificate: x509.Certificate) -> bool:
    def public(key) -> bytes:
        return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)

    return public(private_key.public_key()) == public(certificate.public_key())


def identity_from_files(
    key_path: str,
    cert_path: str | None,
    password: str | None = None,
    *,
    source: str | None = None,
    development: bool = False,
    key_variable: str = ENV_KEY,
    cert_variable: str = ENV_CERT,
) -> SigningIdentity:
    """Load a key and certificate (or a PKCS#12 file) and check they can sign today."""
    secret = password.encode() if password else None
    key_data = _read(key_variable, key_path)
    chain: list[x509.Certificate] = []
    if key_path.lower().endswith((".p12", ".pfx")):
        try:
            private_key, certificate, extra = pkcs12.load_key_and_certificates(key_data, secret)
        except (ValueError, TypeError) as exc:
            raise SigningConfigurationError(
                f"{key_variable}: not a PKCS#12 file, or {ENV_PASSWORD} is wrong ({exc})"
            ) from exc
        if private_key is None or certificate is None:
            raise SigningConfigurationError(f"{key_variable}: the PKCS#12 file holds no key and certificate")
        chain = list(extra or [])
        if cert_path:
            certificate, *more = _load_certificates(_read(cert_variable, cert_path), cert_variable)
            chain += more
    else:
        if not cert_path:
            raise SigningConfigurationError(
                f"{cert_variable} is required with {key_variable}: the certificate (PEM) of that key"
            )
        private_key = _load_private_key(key_data, secret, key_variable)
        certificate, *chain = _load_certificates(_read(cert_variable, cert_path), cert_variable)
    if not _same_key(private_key, certificate):
        raise SigningConfigurationError(
            f"{key_variable} is not the key of the certificate in {cert_variable}"
        )
    moment = clock.now()
    if certificate.not_valid_after_utc <= moment:
        raise SigningConfigurationError(
            f"{cert_variable}: the certificate expired on {certificate.not_valid_after_utc:%Y-%m-%d}"
        )
    if certificate.not_valid_before_utc > moment:
        raise SigningConfigurationError(
            f"{cert_variable}: the certificate is valid only from {certificate.not_valid_before_utc:%Y-%m-%d}"
        )
    return _build_identity(
        private_key,
        certificate,
        chain,
        source=source or f"{key_variable}={key_path}",
        development=development,
    )


def _build_identity(
    private_key,
    certificate: x509.Certificate,
    chain: list[x509.Certificate],
    *,
    source: str,
    development: bool,
    reserve: int | None = None,
) -> SigningIdentity:
    """The identity of a checked key and certificate; ``reserve`` None: measured (a dry run)."""
    der_key = private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    registry = SimpleCertificateStore()
    registry.register_multiple(
        asn1_x509.Certificate.load(extra.public_bytes(serialization.Encoding.DER)) for extra in chain
    )
    signer = _LoadedKeySigner(
        private_key=private_key,
        signing_cert=asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER)),
        signing_key=asn1_keys.PrivateKeyInfo.load(der_key),
        cert_registry=registry,
    )
    identity = SigningIdentity(
        signer=signer,
        certificate=certificate,
        source=source,
        development=development,
        reserve=reserve or 0,
        chain=tuple(chain),
    )
    if reserve is None:
        identity = dataclasses.replace(identity, reserve=_measure_reserve(identity))
    return identity


@dataclass(frozen=True)
class PortableIdentity:
    """A :class:`SigningIdentity` as plain bytes, for the worker processes that sign letters in
    bulk (:mod:`events.rendering.pool`: what they are sent is pickled). The key travels
    unencrypted through the pool's pipe, between processes of the same user."""

    key: bytes  # PKCS#8 DER
    certificates: tuple[bytes, ...]  # DER: the certificate, then its chain
    source: str
    development: bool
    reserve: int

    @classmethod
    def of(cls, identity: SigningIdentity) -> PortableIdentity:
        return cls(
            key=identity.signer._private_key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ),
            certificates=tuple(
                certificate.public_bytes(serialization.Encoding.DER)
                for certificate in (identity.certificate, *identity.chain)
            ),
            source=identity.source,
            development=identity.development,
            reserve=identity.reserve,
        )


_portable_lock = threading.Lock()
_from_portable: dict[PortableIdentity, SigningIdentity] = {}


def identity_from_portable(portable: PortableIdentity) -> SigningIdentity:
    """The identity ``portable`` carries, built once per process and key (a worker signs many
    chunks with it; the signer keeps its CMS template)."""
    with _portable_lock:
        identity = _from_portable.get(portable)
        if identity is None:
            certificate, *chain = (x509.load_der_x509_certificate(der) for der in portable.certificates)
            identity = _build_identity(
                serialization.load_der_private_key(portable.key, password=None),
                certificate,
                chain,
                source=portable.source,
                development=portable.development,
                reserve=portable.reserve,
            )
            _from_portable.clear()  # a rotated key replaces the previous one
            _from_portable[portable] = identity
    return identity


def identity_from_environment(environ=None, settings: Settings | None = None) -> SigningIdentity | None:
    """The configured identity, the development one (created if missing), or ``None`` in
    production without configuration."""
    environ = os.environ if environ is None else environ
    settings = settings or get_settings()
    key_path = (environ.get(ENV_KEY) or "").strip()
    cert_path = (environ.get(ENV_CERT) or "").strip()
    password = environ.get(ENV_PASSWORD) or None
    if key_path or cert_path:
        if not key_path:
            raise SigningConfigurationError(
                f"{ENV_KEY} is required with {ENV_CERT}: the private key of that certificate"
            )
        return identity_from_files(key_path, cert_path or None, password)
    if settings.is_production:
        return None
    directory = development_directory(settings)
    key_file, cert_file = directory / KEY_FILE, directory / CERT_FILE
    if not key_file.exists():
        try:
            create_development_key(directory)
        except FileExistsError:
            pass  # another process made it first
    for _attempt in range(50):  # another process may be between linking the key and the certificate
        if cert_file.exists():
            break
        time.sleep(0.02)
    return identity_from_files(
        str(key_file),
        str(cert_file),
        source=f"development key in {directory}",
        development=True,
        key_variable=str(key_file),
        cert_variable=str(cert_file),
    )


_lock = threading.Lock()
_identity: SigningIdentity | None = None
#: What ``_identity`` was loaded from (see :func:`_stamp`); ``None`` while it is pinned by
#: :func:`use_identity`.
_loaded_from: tuple | None = None


def _file_stamp(path: str | Path) -> tuple | None:
    try:
        found = Path(path).expanduser().stat()
    except OSError:
        return None
    return (found.st_ino, found.st_size, found.st_mtime_ns)


def _stamp(environ=None, settings: Settings | None = None) -> tuple:
    """What the identity is loaded from: the variables and each file's inode, size and time.
    When it changes (a key rotated: new files, or the variables pointing elsewhere) the next
    letter loads the new identity. A few ``stat`` calls: cheap next to a signature."""
    environ = os.environ if environ is None else environ
    key_path = (environ.get(ENV_KEY) or "").strip()
    cert_path = (environ.get(ENV_CERT) or "").strip()
    password = environ.get(ENV_PASSWORD) or ""
    if key_path or cert_path:
        files = [key_path, cert_path]
    else:
        directory = development_directory(settings)
        files = [str(directory / KEY_FILE), str(directory / CERT_FILE)]
    return (key_path, cert_path, hash(password), *(_file_stamp(path) if path else None for path in files))


def current_identity() -> SigningIdentity:
    """The identity letters are signed with: loaded (key parsed, signer built, CMS size measured)
    once per process and kept while the key and certificate files and the variables stay the
    same; a rotated key is picked up by the next letter. Thread-safe.

    Raises :class:`SigningConfigurationError` when it cannot be used, or when production has no
    key configured.
    """
    global _identity, _loaded_from
    identity, loaded_from = _identity, _loaded_from
    if identity is not None and (loaded_from is None or loaded_from == _stamp()):
        return identity
    with _lock:
        if _identity is not None and (_loaded_from is None or _loaded_from == _stamp()):
            return _identity
        stamp = _stamp()
        identity = identity_from_environment()
        if identity is None:
            raise SigningConfigurationError(
                f"Letters are signed: set {ENV_KEY} and {ENV_CERT} (and {ENV_PASSWORD} for an "
                "encrypted key) to the organiser's key and certificate"
            )
        _identity, _loaded_from = identity, stamp
    return identity


def use_identity(identity: SigningIdentity | None) -> None:
    """Pin the process's identity (tests, ``events letters keys init --force``); ``None`` goes
    back to loading it from the configuration."""
    global _identity, _loaded_from
    with _lock:
        _identity, _loaded_from = identity, None


# --- signing ------------------------------------------------------------------------------------


def _metadata(reason: str | None, location: str | None) -> signers.PdfSignatureMetadata:
    return signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
    )


def _measure_reserve(identity: SigningIdentity) -> int:
    """The CMS size this key produces, plus headroom: signs a one-page PDF once."""
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer, invariant=True)
    canvas.showPage()
    canvas.save()
    signed = signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(buffer.getvalue())),
        _metadata("x" * 200, "x" * 100),
        identity.signer,
    ).getvalue()
    signature = PdfFileReader(io.BytesIO(signed)).embedded_signatures[0]
    return (len(signature.pkcs7_content) + 1024) // 2 * 2  # pyHanko wants an even size


def sign_pdf(
    pdf: bytes, identity: SigningIdentity, *, reason: str | None = None, location: str | None = None
) -> bytes:
    """``pdf`` with an invisible PAdES B-B signature (an incremental update). CPU-bound and
    synchronous (pyHanko runs its own event loop): call it from a worker thread."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    output = signers.sign_pdf(
        writer, _metadata(reason, location), identity.signer, bytes_reserved=identity.reserve
    )
    return output.getvalue()


def describe(identity: SigningIdentity) -> dict[str, str]:
    return {
        "source": identity.source,
        "subject": identity.subject,
        "sha256": identity.sha256,
        "valid_until": identity.not_after.date().isoformat(),
        "development": "yes (self-signed, not trusted by readers)" if identity.development else "no",
    }
