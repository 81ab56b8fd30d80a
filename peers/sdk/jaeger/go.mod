module tracesim/peers/sdk/jaeger

go 1.25

require github.com/jaegertracing/jaeger v1.75.0
