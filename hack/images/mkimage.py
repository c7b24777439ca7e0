#!/usr/bin/python3
"""Reproducible test images for ucr, pushed with the Registry HTTP API v2.

Stdlib only (plus the `zstd` CLI for zstd layers). Every byte is
deterministic: tar entries sorted, mtime 2020-01-01T00:00:00Z, uid/gid 0
unless stated, empty user/group names, PAX format, gzip with mtime 0 and no
file name, JSON with fixed key order. The same inputs (Debian's
/bin/busybox from busybox-static, zlib, zstd) give the same digests on every
run and every machine with the same package versions.

  mkimage.py test-images --registry 127.0.0.1:5100 [--storage DIR] [--json OUT]
  mkimage.py busybox     --registry 127.0.0.1:5101 --repo ucr-test/busybox --tag 1 \
                         [--user ucr --password ucrpass]
  mkimage.py bench       --registry 127.0.0.1:5100 [--size-mb 200] [--cache DIR]
  mkimage.py oci-layout  OUTDIR      (the test images as an OCI image layout on disk)

See test/fixtures/README.md for what each image is for.
"""

import argparse
import base64
import gzip
import hashlib
import http.client
import io
import json
import os
import random
import subprocess
import sys
import tarfile
import time
import urllib.parse

EPOCH = 1577836800  # 2020-01-01T00:00:00Z
CREATED = "2020-01-01T00:00:00Z"
BUSYBOX = "/bin/busybox"
PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

# media types
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"
OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd"
ACCEPT_ALL = ", ".join([OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST])


def sha256(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


def host_arch():
    m = os.uname().machine
    return {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm",
            "ppc64le": "ppc64le", "s390x": "s390x", "riscv64": "riscv64"}.get(m, m)


def jdump(obj):
    """Canonical-enough JSON bytes: fixed insertion order, compact."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


# ---------------------------------------------------------------- layers ----

class Layer:
    """A tar layer built from explicit entries.

    Entries are sorted by name when `sort` is true (the default). Names are
    written verbatim, so hostile layers can carry `../x` or `/abs` names.
    """

    def __init__(self, sort=True):
        self.entries = []  # (TarInfo, data or None)
        self.sort = sort

    def _ti(self, name, typ, mode, uid, gid):
        ti = tarfile.TarInfo(name)
        ti.type = typ
        ti.mode = mode
        ti.uid, ti.gid = uid, gid
        ti.uname = ti.gname = ""
        ti.mtime = EPOCH
        return ti

    def dir(self, name, mode=0o755, uid=0, gid=0):
        self.entries.append((self._ti(name, tarfile.DIRTYPE, mode, uid, gid), None))
        return self

    def file(self, name, data, mode=0o644, uid=0, gid=0, xattrs=None):
        if isinstance(data, str):
            data = data.encode()
        ti = self._ti(name, tarfile.REGTYPE, mode, uid, gid)
        ti.size = len(data)
        if xattrs:
            ti.pax_headers = {"SCHILY.xattr." + k: v for k, v in sorted(xattrs.items())}
        self.entries.append((ti, data))
        return self

    def symlink(self, name, target, uid=0, gid=0):
        ti = self._ti(name, tarfile.SYMTYPE, 0o777, uid, gid)
        ti.linkname = target
        self.entries.append((ti, None))
        return self

    def hardlink(self, name, target, mode=0o644):
        ti = self._ti(name, tarfile.LNKTYPE, mode, 0, 0)
        ti.linkname = target
        self.entries.append((ti, None))
        return self

    def tar(self):
        ents = self.entries
        if self.sort:
            ents = sorted(ents, key=lambda e: e[0].name.rstrip("/"))
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
            for ti, data in ents:
                tf.addfile(ti, io.BytesIO(data) if data is not None else None)
        return buf.getvalue()


def compress(tar, how):
    if how == "gzip":
        return gzip.compress(tar, compresslevel=6, mtime=0)
    if how == "gzip0":  # stored blocks: size depends only on input length
        return gzip.compress(tar, compresslevel=0, mtime=0)
    if how == "zstd":
        return subprocess.run(["zstd", "-19", "--no-check", "-q", "-c", "-"],
                              input=tar, stdout=subprocess.PIPE, check=True).stdout
    if how == "none":
        return tar
    raise ValueError(how)


class Blob:
    def __init__(self, data, media_type):
        self.data = data
        self.media_type = media_type
        self.digest = sha256(data)
        self.size = len(data)

    def desc(self, **extra):
        d = {"mediaType": self.media_type, "size": self.size, "digest": self.digest}
        d.update(extra)
        return d


class LayerBlob(Blob):
    def __init__(self, tar, how, oci=True, note=""):
        if oci:
            mt = {"gzip": OCI_LAYER_GZIP, "gzip0": OCI_LAYER_GZIP, "zstd": OCI_LAYER_ZSTD,
                  "none": OCI_LAYER}[how]
        else:
            if how not in ("gzip", "gzip0"):
                raise ValueError("docker schema2 layers are gzip here")
            mt = DOCKER_LAYER_GZIP
        super().__init__(compress(tar, how), mt)
        self.tar = tar
        self.how = how
        self.diff_id = sha256(tar)
        self.note = note

    def as_media(self, oci):
        """Same bytes, media type for the other manifest flavour."""
        c = object.__new__(LayerBlob)
        c.__dict__.update(self.__dict__)
        if oci:
            c.media_type = {"gzip": OCI_LAYER_GZIP, "gzip0": OCI_LAYER_GZIP,
                            "zstd": OCI_LAYER_ZSTD, "none": OCI_LAYER}[self.how]
        else:
            c.media_type = DOCKER_LAYER_GZIP
        return c


class Manifest:
    """A pushed-able manifest: bytes + the blobs (or child manifests) it needs."""

    def __init__(self, media_type, body, blobs=(), children=(), platform=None):
        self.media_type = media_type
        self.data = jdump(body)
        self.digest = sha256(self.data)
        self.size = len(self.data)
        self.blobs = list(blobs)
        self.children = list(children)
        self.platform = platform

    def desc(self, **extra):
        d = {"mediaType": self.media_type, "size": self.size, "digest": self.digest}
        d.update(extra)
        return d


def image(layers, config, oci, arch=None, variant=None, diff_ids=None, size_fix=None,
          history=None):
    """Build config + manifest for `layers` (LayerBlob list).

    diff_ids: override the config's rootfs.diff_ids (hostile-diffid).
    size_fix: {layer index: size to put in the descriptor} (bad-digest).
    """
    arch = arch or host_arch()
    layers = [lb.as_media(oci) for lb in layers]
    cfg = {
        "architecture": arch,
        "os": "linux",
    }
    if variant:
        cfg["variant"] = variant
    cfg["created"] = CREATED
    cfg["config"] = config
    cfg["rootfs"] = {"type": "layers",
                     "diff_ids": diff_ids or [lb.diff_id for lb in layers]}
    cfg["history"] = [{"created": CREATED, "created_by": h}
                      for h in (history or ["ucr mkimage: %s" % (lb.note or "layer")
                                            for lb in layers])]
    cblob = Blob(jdump(cfg), OCI_CONFIG if oci else DOCKER_CONFIG)
    ldescs = []
    for i, lb in enumerate(layers):
        d = lb.desc()
        if size_fix and i in size_fix:
            d["size"] = size_fix[i]
        ldescs.append(d)
    body = {"schemaVersion": 2,
            "mediaType": OCI_MANIFEST if oci else DOCKER_MANIFEST,
            "config": cblob.desc(),
            "layers": ldescs}
    plat = {"architecture": arch, "os": "linux"}
    if variant:
        plat["variant"] = variant
    return Manifest(body["mediaType"], body, [cblob] + layers, platform=plat)


def index(manifests, oci):
    body = {"schemaVersion": 2,
            "mediaType": OCI_INDEX if oci else DOCKER_LIST,
            "manifests": [m.desc(platform=m.platform) for m in manifests]}
    return Manifest(body["mediaType"], body, children=manifests)


# ------------------------------------------------------------ test images ----

PASSWD = """root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
ucrtest:x:1234:1234:ucr test user:/home/ucrtest:/bin/sh
"""
GROUP = """root:x:0:
nogroup:x:65534:
ucrtest:x:1234:
ucrextra:x:5555:ucrtest
"""


def busybox_layer():
    with open(BUSYBOX, "rb") as f:
        bb = f.read()
    applets = subprocess.run([BUSYBOX, "--list"], stdout=subprocess.PIPE,
                             check=True, text=True).stdout.split()
    L = Layer()
    for d in ("bin", "dev", "etc", "home", "proc", "sys", "var"):
        L.dir(d)
    L.dir("root", 0o700)
    L.dir("tmp", 0o1777)
    L.dir("home/ucrtest", 0o755, 1234, 1234)
    L.file("bin/busybox", bb, 0o755)
    for a in sorted(set(applets)):
        if a != "busybox" and "/" not in a:
            L.symlink("bin/" + a, "busybox")
    L.file("etc/passwd", PASSWD)
    L.file("etc/group", GROUP)
    return LayerBlob(L.tar(), "gzip", oci=False, note="busybox (Debian busybox-static)")


def marker_layer(name, content, how="gzip", note=None):
    L = Layer().file(name, content)
    return LayerBlob(L.tar(), how, note=note or ("marker " + name))


def base_config(**kw):
    c = {"Env": [PATH_ENV], "Cmd": ["sh"], "WorkingDir": "/",
         "Labels": {"org.ucr.test": "busybox"}}
    c.update(kw)
    return c


def test_images(with_bad_blob=False):
    """-> list of (repo, [tags], Manifest), plus tamper list [(digest, bytes)]."""
    out = []
    tamper = []
    bb = busybox_layer()

    busybox = image([bb], base_config(), oci=False)
    out.append(("ucr-test/busybox", ["1", "latest"], busybox))

    # pause:1 — a sandbox image for containerd's CRI in the benchmarks: a process
    # that stays up until killed (containerd stops sandboxes with SIGKILL).
    pause = image([bb], base_config(Entrypoint=["/bin/sleep"], Cmd=["2147483647"],
                                    Labels={"org.ucr.test": "pause"}), oci=False)
    out.append(("ucr-test/pause", ["1"], pause))

    # layers:1 ---------------------------------------------------------------
    l2 = Layer()
    l2.dir("data").dir("data/keep").dir("opq").dir("opq/sub")
    l2.file("data/a", "a\n").file("data/b", "b\n").file("data/keep/x", "x\n")
    l2.file("opq/old1", "old1\n").file("opq/sub/old2", "old2\n")
    l2.hardlink("data/hl", "data/a")
    l2.symlink("data/link", "a")
    l2.file("data/xattr", "has xattr user.ucr=test\n", xattrs={"user.ucr": "test"})
    l2.file("data/suid", "#!/bin/sh\necho suid\n", mode=0o4755)
    lb2 = LayerBlob(l2.tar(), "gzip", note="data files, hardlink, symlink, xattr, setuid")
    l3 = Layer()
    l3.dir("data").file("data/.wh.b", b"")
    l3.dir("opq").file("opq/.wh..wh..opq", b"").file("opq/new", "new\n")
    lb3 = LayerBlob(l3.tar(), "gzip", note="whiteout data/b, opaque opq/")
    layers = image([bb, lb2, lb3], base_config(
        Env=[PATH_ENV, "FOO=bar"], Entrypoint=["/bin/sh", "-c"], Cmd=["echo layers"],
        StopSignal="SIGUSR1", ExposedPorts={"8080/tcp": {}},
        Labels={"org.ucr.test": "layers"}), oci=True)
    out.append(("ucr-test/layers", ["1"], layers))

    # multiarch --------------------------------------------------------------
    arches = [("amd64", None), ("arm64", "v8")]
    for oci, tag in ((True, "1"), (False, "docker")):
        kids = []
        for arch, variant in arches:
            mk = marker_layer("arch", arch + "\n", note="marker /arch=" + arch)
            kids.append(image([bb, mk], base_config(Labels={"org.ucr.test": "multiarch",
                                                            "org.ucr.arch": arch}),
                              oci=oci, arch=arch, variant=variant))
        out.append(("ucr-test/multiarch", [tag], index(kids, oci)))

    # users ------------------------------------------------------------------
    out.append(("ucr-test/user", ["1"], image([bb], base_config(User="ucrtest"), oci=False)))
    out.append(("ucr-test/uid", ["1"], image([bb], base_config(User="1234:1234"), oci=False)))

    # compression ------------------------------------------------------------
    zl = marker_layer("zstd-marker", "zstd\n", how="zstd")
    out.append(("ucr-test/zstd", ["1"], image([bb, zl], base_config(), oci=True)))
    pl = Layer().file("plain-marker", "plain\n")
    plb = LayerBlob(pl.tar(), "none", note="uncompressed layer")
    out.append(("ucr-test/plain", ["1"], image([bb, plb], base_config(), oci=True)))

    # hostile ----------------------------------------------------------------
    h = Layer(sort=False)
    h.file("../../escape-dotdot", "ucr-escape\n")
    h.file("bin/../../../escape-dotdot-nested", "ucr-escape\n")
    hostile = [("hostile-dotdot", h)]
    h = Layer(sort=False)
    h.file("/tmp/ucr-escape-abs", "ucr-escape\n")
    hostile.append(("hostile-abs", h))
    h = Layer(sort=False)
    h.symlink("evil", "/tmp")
    h.file("evil/ucr-escape-symlink", "ucr-escape\n")
    h.symlink("evilrel", "../../../../../../../../tmp")
    h.file("evilrel/ucr-escape-symlink-rel", "ucr-escape\n")
    hostile.append(("hostile-symlink", h))
    h = Layer(sort=False)
    h.hardlink("hl", "../../../etc/passwd")
    h.hardlink("hl-abs", "/etc/shadow")
    hostile.append(("hostile-hardlink", h))
    for name, lay in hostile:
        lb = LayerBlob(lay.tar(), "gzip", note=name)
        out.append(("ucr-test/" + name, ["1"],
                    image([bb, lb], base_config(Labels={"org.ucr.test": name}), oci=True)))

    dl = marker_layer("diffid-marker", "diffid\n")
    out.append(("ucr-test/hostile-diffid", ["1"],
                image([bb, dl], base_config(Labels={"org.ucr.test": "hostile-diffid"}),
                      oci=True, diff_ids=[bb.diff_id, sha256(b"not the layer tar\n")])))

    sl = marker_layer("bad-size-marker", "bad size\n")
    out.append(("ucr-test/bad-digest", ["1"],
                image([bb, sl], base_config(Labels={"org.ucr.test": "bad-digest"}),
                      oci=True, size_fix={1: sl.size + 1})))

    if with_bad_blob:
        # valid gzip (stored blocks) either way; the registry serves the
        # tampered bytes, same length, different sha256.
        good = Layer().file("bad-blob-marker", "original content\n").tar()
        bad = Layer().file("bad-blob-marker", "TAMPERED content\n").tar()
        gb = LayerBlob(good, "gzip0", note="bad-blob (tampered in storage)")
        evil = compress(bad, "gzip0")
        assert len(evil) == gb.size
        out.append(("ucr-test/bad-blob", ["1"],
                    image([bb, gb], base_config(Labels={"org.ucr.test": "bad-blob"}),
                          oci=True)))
        tamper.append((gb.digest, evil))
    return out, tamper


def shared_busybox():
    bb = busybox_layer()
    return image([bb], base_config(), oci=False)


# -------------------------------------------------------------- registry ----

class RegistryError(Exception):
    pass


class Registry:
    def __init__(self, addr, user=None, password=None, verbose=False):
        self.addr = addr
        self.auth = None
        if user is not None:
            self.auth = "Basic " + base64.b64encode(
                ("%s:%s" % (user, password or "")).encode()).decode()
        self.conn = None
        self.verbose = verbose
        self.have = {}  # digest -> repo known to hold it (for cross-repo mounts)

    def _conn(self):
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.addr, timeout=300)
        return self.conn

    def req(self, method, path, body=None, headers=None, ok=(200,)):
        h = dict(headers or {})
        if self.auth:
            h["Authorization"] = self.auth
        for attempt in (1, 2):
            c = self._conn()
            try:
                if hasattr(body, "seek"):
                    body.seek(0)
                c.request(method, path, body=body, headers=h)
                r = c.getresponse()
                data = r.read()
                break
            except (http.client.HTTPException, ConnectionError, OSError):
                c.close()
                self.conn = None
                if attempt == 2:
                    raise
        if self.verbose:
            print("  %s %s -> %d" % (method, path, r.status), file=sys.stderr)
        if r.status not in ok:
            raise RegistryError("%s http://%s%s: %d %s %s" % (
                method, self.addr, path, r.status, r.reason, data[:500].decode("utf-8", "replace")))
        return r, data

    def ping(self):
        self.req("GET", "/v2/")

    def blob_exists(self, repo, digest):
        r, _ = self.req("HEAD", "/v2/%s/blobs/%s" % (repo, digest), ok=(200, 404))
        return r.status == 200

    def _loc(self, r):
        loc = r.getheader("Location")
        if not loc:
            raise RegistryError("upload without Location")
        u = urllib.parse.urlsplit(loc)
        return u.path + ("?" + u.query if u.query else "")

    def push_blob(self, repo, digest, size, opener):
        """opener() -> bytes or a binary file object positioned anywhere."""
        if self.blob_exists(repo, digest):
            self.have.setdefault(digest, repo)
            return "exists"
        src = self.have.get(digest)
        if src and src != repo:
            q = urllib.parse.urlencode({"mount": digest, "from": src})
            r, _ = self.req("POST", "/v2/%s/blobs/uploads/?%s" % (repo, q), ok=(201, 202))
            if r.status == 201:
                return "mounted"
        else:
            r, _ = self.req("POST", "/v2/%s/blobs/uploads/" % repo, ok=(202,))
        loc = self._loc(r)
        loc += ("&" if "?" in loc else "?") + urllib.parse.urlencode({"digest": digest})
        body = opener()
        r, _ = self.req("PUT", loc, body=body,
                        headers={"Content-Type": "application/octet-stream",
                                 "Content-Length": str(size)}, ok=(201,))
        got = r.getheader("Docker-Content-Digest")
        if got and got != digest:
            raise RegistryError("registry stored %s as %s" % (digest, got))
        self.have[digest] = repo
        return "uploaded"

    def put_manifest(self, repo, ref, media_type, data):
        r, _ = self.req("PUT", "/v2/%s/manifests/%s" % (repo, ref), body=data,
                        headers={"Content-Type": media_type}, ok=(201,))
        got = r.getheader("Docker-Content-Digest")
        if got and got != sha256(data):
            raise RegistryError("manifest digest mismatch: registry says %s, ours %s"
                                % (got, sha256(data)))

    def push(self, repo, tags, m):
        """Push manifest m (and everything it references) as repo:tag for tags."""
        for kid in m.children:
            self.push(repo, [], kid)
        for b in m.blobs:
            self.push_blob(repo, b.digest, b.size, lambda b=b: b.data)
        self.put_manifest(repo, m.digest, m.media_type, m.data)
        for t in tags:
            self.put_manifest(repo, t, m.media_type, m.data)


def tamper_storage(storage, digest, data):
    """Overwrite a blob's bytes in docker-registry's filesystem storage."""
    hexd = digest.split(":", 1)[1]
    p = os.path.join(storage, "docker/registry/v2/blobs/sha256", hexd[:2], hexd, "data")
    if not os.path.isfile(p):
        raise RegistryError("blob %s not found at %s" % (digest, p))
    with open(p, "r+b") as f:
        if f.read() != data:
            f.seek(0)
            f.write(data)
            f.truncate()


def report(addr, repo, tags, m, out):
    for t in tags:
        ref = "%s/%s:%s" % (addr, repo, t)
        print("%-58s %s %s" % (ref, m.digest, m.media_type))
        out.append({"ref": ref, "repo": repo, "tag": t, "digest": m.digest,
                    "mediaType": m.media_type})


# ----------------------------------------------------------------- bench ----

class HashWriter:
    """File-like sink that hashes and counts, forwarding to `dst`."""

    def __init__(self, dst=None):
        self.h = hashlib.sha256()
        self.n = 0
        self.dst = dst

    def write(self, b):
        self.h.update(b)
        self.n += len(b)
        if self.dst is not None:
            self.dst.write(b)
        return len(b)

    def flush(self):
        pass

    def tell(self):
        return self.n

    def digest(self):
        return "sha256:" + self.h.hexdigest()


def stream_layer(path, fill):
    """Write gzip(tar) to `path` via fill(tarfile). -> (digest, size, diff_id)."""
    with open(path, "wb") as f:
        outer = HashWriter(f)
        gz = gzip.GzipFile(filename="", fileobj=outer, mode="wb", compresslevel=6, mtime=0)
        inner = HashWriter(gz)
        with tarfile.open(fileobj=inner, mode="w", format=tarfile.PAX_FORMAT) as tf:
            fill(tf)
        gz.close()
    return outer.digest(), outer.n, inner.digest(), inner.n


def rand_bytes(seed, n):
    return hashlib.shake_256(seed.encode()).digest(n)


def bench_fill_random(tag, nfiles, size):
    def fill(tf):
        ti = Layer()._ti("bench", tarfile.DIRTYPE, 0o755, 0, 0)
        tf.addfile(ti)
        ti = Layer()._ti("bench/" + tag, tarfile.DIRTYPE, 0o755, 0, 0)
        tf.addfile(ti)
        for i in range(nfiles):
            data = rand_bytes("ucr-bench/%s/%d" % (tag, i), size)
            ti = Layer()._ti("bench/%s/random-%02d.bin" % (tag, i), tarfile.REGTYPE,
                             0o644, 0, 0)
            ti.size = len(data)
            tf.addfile(ti, io.BytesIO(data))
    return fill


def bench_fill_small(tag, total):
    def fill(tf):
        rng = random.Random("ucr-bench/" + tag)
        mk = Layer()._ti
        tf.addfile(mk("bench", tarfile.DIRTYPE, 0o755, 0, 0))
        tf.addfile(mk("bench/" + tag, tarfile.DIRTYPE, 0o755, 0, 0))
        done, i = 0, 0
        while done < total:
            if i % 250 == 0:
                tf.addfile(mk("bench/%s/d%03d" % (tag, i // 250), tarfile.DIRTYPE,
                              0o755, 0, 0))
            n = rng.randint(512, 4096)
            data = rand_bytes("ucr-bench/%s/%d" % (tag, i), n)
            ti = mk("bench/%s/d%03d/f%05d" % (tag, i // 250, i), tarfile.REGTYPE,
                    0o644, 0, 0)
            ti.size = n
            tf.addfile(ti, io.BytesIO(data))
            done += n
            i += 1
    return fill


def bench_fill_text(tag, size):
    def fill(tf):
        mk = Layer()._ti
        tf.addfile(mk("bench", tarfile.DIRTYPE, 0o755, 0, 0))
        tf.addfile(mk("bench/" + tag, tarfile.DIRTYPE, 0o755, 0, 0))
        line = b"".join(b"%08d ucr bench compressible text line\n" % i for i in range(1000))
        data = (line * (size // len(line) + 1))[:size]
        ti = mk("bench/%s/text.log" % tag, tarfile.REGTYPE, 0o644, 0, 0)
        ti.size = len(data)
        tf.addfile(ti, io.BytesIO(data))
        for i in range(200):
            d = ("key%d = value%d\n" % (i, i)).encode() * 8
            ti = mk("bench/%s/conf-%03d.ini" % (tag, i), tarfile.REGTYPE, 0o644, 0, 0)
            ti.size = len(d)
            tf.addfile(ti, io.BytesIO(d))
    return fill


def bench_build(size_mb, cache):
    """Build (or reuse) the bench image under `cache`. -> (manifest bytes, blob list)."""
    d = os.path.join(cache, "%dmb-v2" % size_mb)
    idx = os.path.join(d, "image.json")
    if os.path.isfile(idx):
        with open(idx) as f:
            meta = json.load(f)
        if all(os.path.isfile(os.path.join(d, "blobs", b["digest"].replace(":", "-")))
               for b in meta["blobs"]):
            return d, meta
    os.makedirs(os.path.join(d, "blobs"), exist_ok=True)
    mb = 1 << 20
    rnd = max(1, int(size_mb * 0.09 * mb))
    small = max(1, int(size_mb * 0.18 * mb))
    text = max(1, int(size_mb * 0.05 * mb))
    plan = [
        ("random-a", bench_fill_random("random-a", 3, rnd)),
        ("small-a", bench_fill_small("small-a", small)),
        ("random-b", bench_fill_random("random-b", 2, rnd)),
        ("small-b", bench_fill_small("small-b", small)),
        ("random-c", bench_fill_random("random-c", 1, text)),
        ("text", bench_fill_text("text", text)),
    ]
    bb = busybox_layer().as_media(True)
    layers = []
    p = os.path.join(d, "blobs", bb.digest.replace(":", "-"))
    with open(p, "wb") as f:
        f.write(bb.data)
    layers.append({"digest": bb.digest, "size": bb.size, "diff_id": bb.diff_id,
                   "note": "busybox", "tar_size": len(bb.tar)})
    for tag, fill in plan:
        t0 = time.time()
        tmp = os.path.join(d, "blobs", ".tmp-" + tag)
        dg, n, diff, tn = stream_layer(tmp, fill)
        os.replace(tmp, os.path.join(d, "blobs", dg.replace(":", "-")))
        layers.append({"digest": dg, "size": n, "diff_id": diff, "note": tag, "tar_size": tn})
        print("  built bench layer %-9s %s %6.1f MB tar %6.1f MB gz (%.1fs)" % (
            tag, dg[:19], tn / mb, n / mb, time.time() - t0), file=sys.stderr)
    cfg = {"architecture": host_arch(), "os": "linux", "created": CREATED,
           "config": base_config(Labels={"org.ucr.test": "bench"}),
           "rootfs": {"type": "layers", "diff_ids": [l["diff_id"] for l in layers]},
           "history": [{"created": CREATED, "created_by": "ucr bench: " + l["note"]}
                       for l in layers]}
    cdata = jdump(cfg)
    cdg = sha256(cdata)
    with open(os.path.join(d, "blobs", cdg.replace(":", "-")), "wb") as f:
        f.write(cdata)
    man = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
           "config": {"mediaType": OCI_CONFIG, "size": len(cdata), "digest": cdg},
           "layers": [{"mediaType": OCI_LAYER_GZIP, "size": l["size"], "digest": l["digest"]}
                      for l in layers]}
    mdata = jdump(man)
    meta = {"manifest": mdata.decode(), "manifest_digest": sha256(mdata),
            "tar_size": sum(l["tar_size"] for l in layers),
            "blobs": [{"digest": cdg, "size": len(cdata)}] +
                     [{"digest": l["digest"], "size": l["size"]} for l in layers]}
    with open(idx + ".tmp", "w") as f:
        json.dump(meta, f, indent=1)
    os.replace(idx + ".tmp", idx)
    return d, meta


# ------------------------------------------------------------------ main ----

def cmd_test_images(a):
    imgs, tamper = test_images(with_bad_blob=bool(a.storage))
    reg = Registry(a.registry, a.user, a.password, a.verbose)
    reg.ping()
    out = []
    bb = imgs[0][2]
    for repo, tags, m in imgs:
        reg.push(repo, tags, m)
        report(a.registry, repo, tags, m, out)
    for repo in ("public/busybox", "private/busybox"):
        reg.push(repo, ["1"], bb)
        report(a.registry, repo, ["1"], bb, out)
    for dg, data in tamper:
        tamper_storage(a.storage, dg, data)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=1)


def cmd_busybox(a):
    m = shared_busybox()
    reg = Registry(a.registry, a.user, a.password, a.verbose)
    reg.ping()
    reg.push(a.repo, a.tag, m)
    report(a.registry, a.repo, a.tag, m, [])


def cmd_bench(a):
    t0 = time.time()
    d, meta = bench_build(a.size_mb, a.cache)
    reg = Registry(a.registry, a.user, a.password, a.verbose)
    reg.ping()
    for b in meta["blobs"]:
        p = os.path.join(d, "blobs", b["digest"].replace(":", "-"))
        with open(p, "rb") as f:
            reg.push_blob(a.repo, b["digest"], b["size"], lambda f=f: f)
    mdata = meta["manifest"].encode()
    reg.put_manifest(a.repo, meta["manifest_digest"], OCI_MANIFEST, mdata)
    reg.put_manifest(a.repo, a.tag, OCI_MANIFEST, mdata)
    total = sum(b["size"] for b in meta["blobs"])
    print("%s/%s:%s %s %s (%d layers, %.1f MB uncompressed, %.1f MB compressed, %.1fs)" % (
        a.registry, a.repo, a.tag, meta["manifest_digest"], OCI_MANIFEST,
        len(meta["blobs"]) - 1, meta["tar_size"] / (1 << 20), total / (1 << 20),
        time.time() - t0))


def cmd_oci_layout(a):
    imgs, _ = test_images(with_bad_blob=False)
    root = a.outdir
    bdir = os.path.join(root, "blobs", "sha256")
    os.makedirs(bdir, exist_ok=True)

    def put(dg, data):
        p = os.path.join(bdir, dg.split(":", 1)[1])
        if not os.path.exists(p):
            with open(p, "wb") as f:
                f.write(data)

    def walk(m):
        for k in m.children:
            walk(k)
        for b in m.blobs:
            put(b.digest, b.data)
        put(m.digest, m.data)

    manifests = []
    for repo, tags, m in imgs:
        walk(m)
        for t in tags:
            manifests.append(m.desc(annotations={
                "org.opencontainers.image.ref.name": "%s:%s" % (repo, t)}))
    with open(os.path.join(root, "oci-layout"), "w") as f:
        f.write('{"imageLayoutVersion":"1.0.0"}')
    with open(os.path.join(root, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests},
                  f, indent=1)
    # raw layer tars too, for unpacker unit tests that want no registry
    tdir = os.path.join(root, "tars")
    os.makedirs(tdir, exist_ok=True)
    seen = set()

    def tars(repo, m):
        for k in m.children:
            tars(repo, k)
        for b in m.blobs:
            if isinstance(b, LayerBlob) and b.diff_id not in seen:
                seen.add(b.diff_id)
                name = "%s-%s.tar" % (repo.split("/")[-1], b.diff_id[7:19])
                with open(os.path.join(tdir, name), "wb") as f:
                    f.write(b.tar)

    for repo, tags, m in imgs:
        tars(repo, m)
    print(root)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)

    def common(p):
        p.add_argument("--registry", default=os.environ.get("UCR_REG_OPEN", "127.0.0.1:5100"))
        p.add_argument("--user")
        p.add_argument("--password")
        p.add_argument("-v", "--verbose", action="store_true")

    p = sub.add_parser("test-images", help="build and push every test image")
    common(p)
    p.add_argument("--storage", help="the registry's filesystem root: enables bad-blob:1")
    p.add_argument("--json", help="write the pushed references as JSON here")
    p.set_defaults(fn=cmd_test_images)

    p = sub.add_parser("busybox", help="push only the busybox image")
    common(p)
    p.add_argument("--repo", default="ucr-test/busybox")
    p.add_argument("--tag", action="append", default=None)
    p.set_defaults(fn=cmd_busybox)

    p = sub.add_parser("bench", help="build (cached) and push ucr-bench/big:1")
    common(p)
    p.add_argument("--size-mb", type=int, default=200)
    p.add_argument("--cache", default=os.environ.get("UCR_BENCH_CACHE", "/var/cache/ucr-bench"))
    p.add_argument("--repo", default="ucr-bench/big")
    p.add_argument("--tag", default="1")
    p.set_defaults(fn=cmd_bench)

    p = sub.add_parser("oci-layout", help="write the test images as an OCI layout")
    p.add_argument("outdir")
    p.set_defaults(fn=cmd_oci_layout)

    a = ap.parse_args()
    if getattr(a, "tag", 0) is None:
        a.tag = ["1"]
    try:
        a.fn(a)
    except (RegistryError, OSError) as e:
        where = getattr(a, "registry", None)
        print("mkimage: %s%s" % ("%s: " % where if where else "", e), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
