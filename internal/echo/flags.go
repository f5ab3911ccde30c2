package echo

import (
	"compress/flate"
	"flag"
)

// CompressFlags registers the permessage-deflate flags of cmd/wsecho and
// cmd/wsclient on fs, writing into cfg: compression is on unless
// -compress=false.
func CompressFlags(fs *flag.FlagSet, cfg *Config) {
	cfg.Compress = true
	fs.BoolVar(&cfg.Compress, "compress", true, "negotiate permessage-deflate (RFC 7692); -compress=false turns it off")
	fs.IntVar(&cfg.CompressLevel, "compress-level", flate.BestSpeed, "compress/flate level of sent messages: 1 (fastest) to 9, or -2 (Huffman only)")
	fs.BoolVar(&cfg.CompressTakeover, "compress-takeover", false, "keep the compression context across sent messages when allowed (about 1.2 MB per connection)")
	fs.IntVar(&cfg.CompressMin, "compress-min", 0, "send data messages shorter than this uncompressed")
}
