// Command otelcol is tracesim's pinned OpenTelemetry Collector distribution: the real upstream
// Collector with exactly the components tracesim compares itself against (doc/collector.md).
// It is what the Collector builder would generate (main.go + components.go), written by hand so
// that no builder is needed: the factory lists below are the whole distribution.
package main

import (
	"log"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/provider/envprovider"
	"go.opentelemetry.io/collector/confmap/provider/fileprovider"
	"go.opentelemetry.io/collector/confmap/provider/yamlprovider"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/debugexporter"
	"go.opentelemetry.io/collector/exporter/nopexporter"
	"go.opentelemetry.io/collector/exporter/otlpexporter"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/otelcol"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/batchprocessor"
	"go.opentelemetry.io/collector/processor/memorylimiterprocessor"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/nopreceiver"
	"go.opentelemetry.io/collector/receiver/otlpreceiver"
	"go.opentelemetry.io/collector/service/telemetry/otelconftelemetry"

	"github.com/open-telemetry/opentelemetry-collector-contrib/exporter/fileexporter"
	"github.com/open-telemetry/opentelemetry-collector-contrib/processor/filterprocessor"
	"github.com/open-telemetry/opentelemetry-collector-contrib/processor/probabilisticsamplerprocessor"
	"github.com/open-telemetry/opentelemetry-collector-contrib/processor/tailsamplingprocessor"
)

// Release is the one Collector release every module of this distribution is pinned to
// (core v0.x modules and contrib modules alike; go.mod holds the exact versions).
const Release = "0.161.0"

const (
	core    = "go.opentelemetry.io/collector/"
	contrib = "github.com/open-telemetry/opentelemetry-collector-contrib/"
	version = " v" + Release
)

func components() (otelcol.Factories, error) {
	var err error
	factories := otelcol.Factories{
		// The service's own logs, traces and metrics (service::telemetry, e.g. the Prometheus
		// reader the Collector tests scrape).
		Telemetry: otelconftelemetry.NewFactory(),
	}

	factories.Extensions, err = otelcol.MakeFactoryMap[extension.Factory]()
	if err != nil {
		return otelcol.Factories{}, err
	}
	// nop is not a receiver tracesim talks to: upstream's testdata configs name it.
	factories.Receivers, err = otelcol.MakeFactoryMap[receiver.Factory](
		otlpreceiver.NewFactory(),
		nopreceiver.NewFactory(),
	)
	if err != nil {
		return otelcol.Factories{}, err
	}
	factories.ReceiverModules = map[component.Type]string{
		otlpreceiver.NewFactory().Type(): core + "receiver/otlpreceiver" + version,
		nopreceiver.NewFactory().Type():  core + "receiver/nopreceiver" + version,
	}
	factories.Processors, err = otelcol.MakeFactoryMap[processor.Factory](
		batchprocessor.NewFactory(),
		memorylimiterprocessor.NewFactory(),
		filterprocessor.NewFactory(),
		probabilisticsamplerprocessor.NewFactory(),
		tailsamplingprocessor.NewFactory(),
	)
	if err != nil {
		return otelcol.Factories{}, err
	}
	factories.ProcessorModules = map[component.Type]string{
		batchprocessor.NewFactory().Type():                core + "processor/batchprocessor" + version,
		memorylimiterprocessor.NewFactory().Type():        core + "processor/memorylimiterprocessor" + version,
		filterprocessor.NewFactory().Type():               contrib + "processor/filterprocessor" + version,
		probabilisticsamplerprocessor.NewFactory().Type(): contrib + "processor/probabilisticsamplerprocessor" + version,
		tailsamplingprocessor.NewFactory().Type():         contrib + "processor/tailsamplingprocessor" + version,
	}
	factories.Exporters, err = otelcol.MakeFactoryMap[exporter.Factory](
		debugexporter.NewFactory(),
		nopexporter.NewFactory(),
		otlpexporter.NewFactory(),
		fileexporter.NewFactory(),
	)
	if err != nil {
		return otelcol.Factories{}, err
	}
	factories.ExporterModules = map[component.Type]string{
		debugexporter.NewFactory().Type(): core + "exporter/debugexporter" + version,
		nopexporter.NewFactory().Type():   core + "exporter/nopexporter" + version,
		otlpexporter.NewFactory().Type():  core + "exporter/otlpexporter" + version,
		fileexporter.NewFactory().Type():  contrib + "exporter/fileexporter" + version,
	}
	factories.Connectors, err = otelcol.MakeFactoryMap[connector.Factory]()
	if err != nil {
		return otelcol.Factories{}, err
	}
	return factories, nil
}

func main() {
	info := component.BuildInfo{
		Command:     "otelcol",
		Description: "tracesim's pinned OpenTelemetry Collector (peers/otelcol)",
		Version:     Release,
	}
	set := otelcol.CollectorSettings{
		BuildInfo: info,
		Factories: components,
		ConfigProviderSettings: otelcol.ConfigProviderSettings{
			ResolverSettings: confmap.ResolverSettings{
				ProviderFactories: []confmap.ProviderFactory{
					envprovider.NewFactory(),
					fileprovider.NewFactory(),
					yamlprovider.NewFactory(),
				},
			},
		},
	}
	if err := otelcol.NewCommand(set).Execute(); err != nil {
		log.Fatal(err)
	}
}
