// UTF-8 codec used instead of TextEncoder/TextDecoder, which mini-program
// runtimes on phones do not have. Invalid input decodes to U+FFFD, as the
// WHATWG decoder does; lone surrogates encode as U+FFFD.
class MpTextEncoder {
  encode(str) {
    const out = new Uint8Array(str.length * 3);
    return out.subarray(0, this.encodeInto(str, out).written);
  }
  encodeInto(str, view) {
    let read = 0, written = 0;
    while (read < str.length) {
      let c = str.charCodeAt(read);
      let units = 1;
      if (c >= 0xd800 && c <= 0xdbff && read + 1 < str.length) {
        const d = str.charCodeAt(read + 1);
        if (d >= 0xdc00 && d <= 0xdfff) { c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00); units = 2; }
        else c = 0xfffd;
      } else if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
      const size = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
      if (written + size > view.length) break;
      if (size === 1) view[written++] = c;
      else if (size === 2) { view[written++] = 0xc0 | (c >> 6); view[written++] = 0x80 | (c & 63); }
      else if (size === 3) { view[written++] = 0xe0 | (c >> 12); view[written++] = 0x80 | ((c >> 6) & 63); view[written++] = 0x80 | (c & 63); }
      else { view[written++] = 0xf0 | (c >> 18); view[written++] = 0x80 | ((c >> 12) & 63); view[written++] = 0x80 | ((c >> 6) & 63); view[written++] = 0x80 | (c & 63); }
      read += units;
    }
    return { read, written };
  }
}
class MpTextDecoder {
  decode(bytes) {
    if (bytes === undefined) return '';
    const units = [];
    let out = '';
    const n = bytes.length;
    for (let i = 0; i < n;) {
      const b = bytes[i];
      if (b < 0x80) {
        // ASCII fast path: copy the whole run at once.
        let j = i + 1;
        while (j < n && bytes[j] < 0x80 && j - i < 4096) j++;
        if (units.length) { out += String.fromCharCode.apply(null, units); units.length = 0; }
        out += String.fromCharCode.apply(null, bytes.subarray(i, j));
        i = j;
        continue;
      }
      let c = 0xfffd, size = 1;
      if (b < 0x80) c = b;
      else if (b >= 0xc2 && b <= 0xf4) {
        const need = b < 0xe0 ? 1 : b < 0xf0 ? 2 : 3;
        const lo = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
        const hi = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
        let cp = b & (0x3f >> need), k = 1;
        for (; k <= need && i + k < n; k++) {
          const x = bytes[i + k];
          if (x < (k === 1 ? lo : 0x80) || x > (k === 1 ? hi : 0xbf)) break;
          cp = (cp << 6) | (x & 0x3f);
        }
        if (k > need) { c = cp; size = need + 1; } else size = k;
      }
      if (c > 0xffff) { c -= 0x10000; units.push(0xd800 + (c >> 10), 0xdc00 + (c & 0x3ff)); }
      else units.push(c);
      i += size;
      if (units.length >= 4096) { out += String.fromCharCode.apply(null, units); units.length = 0; }
    }
    return out + String.fromCharCode.apply(null, units);
  }
}
