module tracesim/peers/sdk/dynsampler

go 1.25

require github.com/honeycombio/dynsampler-go v0.6.0
