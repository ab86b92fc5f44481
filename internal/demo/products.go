package demo

import (
	"github.com/plumbline/plumbline/models"
)

// The demo's product IDs.
const (
	ProdCement      = "po-42.5"           // P·O 42.5 ordinary Portland cement, bulk
	ProdRebarCoil   = "hrb400e-12-coil"   // HRB400E Φ12 rebar in coils
	ProdRebarBar    = "hrb400e-25-bar"    // HRB400E Φ25 straight rebar, 12 m
	ProdConcreteC30 = "c30-pumped"        // C30 pumped ready-mix concrete
	ProdConcreteC40 = "c40-pumped"        // C40 pumped ready-mix concrete
	ProdAggregate   = "crushed-5-25"      // crushed stone 5–25 mm
	ProdSand        = "manufactured-sand" // manufactured sand, medium
	ProdGlass       = "tempered-8mm"      // 8 mm tempered glass
)

func dec(s string) *models.Decimal {
	d := models.MustDecimal(s)
	return &d
}

func minLimit(prop, unit, min string) models.SpecLimit {
	return models.SpecLimit{Property: prop, Unit: unit, Min: dec(min)}
}

func maxLimit(prop, unit, max string) models.SpecLimit {
	return models.SpecLimit{Property: prop, Unit: unit, Max: dec(max)}
}

func rangeLimit(prop, unit, min, max string) models.SpecLimit {
	return models.SpecLimit{Property: prop, Unit: unit, Min: dec(min), Max: dec(max)}
}

// Products returns the demo catalogue with the limits of the standards
// each product conforms to.
func Products() []models.Product {
	return []models.Product{
		{
			ID: ProdCement, Name: "P·O 42.5 ordinary Portland cement (bulk)", Category: models.CatCement, Names: zhName("P·O 42.5 普通硅酸盐水泥（散装）"),
			Standard: "GB 175-2023", Unit: "t", GTIN: gtin("692758310001"), InspectionRequired: true, Manufacturer: OrgCement,
			SpecLimits: []models.SpecLimit{
				minLimit("compressive_strength_3d", "MPa", "17"),
				minLimit("compressive_strength_28d", "MPa", "42.5"),
				minLimit("flexural_strength_3d", "MPa", "3.5"),
				minLimit("flexural_strength_28d", "MPa", "6.5"),
				minLimit("initial_setting_time", "min", "45"),
				maxLimit("final_setting_time", "min", "600"),
				maxLimit("so3_content", "%", "3.5"),
			},
		},
		{
			ID: ProdRebarCoil, Name: "HRB400E hot-rolled ribbed bar Φ12, coil", Category: models.CatRebar, Names: zhName("HRB400E 热轧带肋钢筋 Φ12（盘螺）"),
			Standard: "GB/T 1499.2-2024", Unit: "t", GTIN: gtin("692684520012"), InspectionRequired: true, Manufacturer: OrgSteel,
			SpecLimits: rebarLimits(),
		},
		{
			ID: ProdRebarBar, Name: "HRB400E hot-rolled ribbed bar Φ25, 12 m", Category: models.CatRebar, Names: zhName("HRB400E 热轧带肋钢筋 Φ25（直条 12 m）"),
			Standard: "GB/T 1499.2-2024", Unit: "t", GTIN: gtin("692684520025"), InspectionRequired: true, Manufacturer: OrgSteel,
			SpecLimits: rebarLimits(),
		},
		{
			ID: ProdConcreteC30, Name: "Ready-mixed concrete C30, pumped, slump 180 mm", Category: models.CatReadyMix, Names: zhName("C30 预拌混凝土（泵送，坍落度 180 mm）"),
			Standard: "GB/T 14902-2012", Unit: "m3", InspectionRequired: true, Manufacturer: OrgReadyMix,
			SpecLimits: []models.SpecLimit{rangeLimit("slump", "mm", "150", "210"), minLimit("compressive_strength_28d", "MPa", "30")},
		},
		{
			ID: ProdConcreteC40, Name: "Ready-mixed concrete C40, pumped, slump 180 mm", Category: models.CatReadyMix, Names: zhName("C40 预拌混凝土（泵送，坍落度 180 mm）"),
			Standard: "GB/T 14902-2012", Unit: "m3", InspectionRequired: true, Manufacturer: OrgReadyMix,
			SpecLimits: []models.SpecLimit{rangeLimit("slump", "mm", "150", "210"), minLimit("compressive_strength_28d", "MPa", "40")},
		},
		{
			ID: ProdAggregate, Name: "Crushed stone 5–25 mm, class II", Category: models.CatAggregate, Names: zhName("碎石 5–25 mm（Ⅱ 类）"),
			Standard: "GB/T 14685-2022", Unit: "t", Manufacturer: OrgQuarry,
			SpecLimits: []models.SpecLimit{
				maxLimit("crushing_value", "%", "20"),
				maxLimit("mud_content", "%", "1.0"),
				maxLimit("flaky_particles", "%", "10"),
			},
		},
		{
			ID: ProdSand, Name: "Manufactured sand, medium, class II", Category: models.CatAggregate, Names: zhName("机制砂（中砂，Ⅱ 类）"),
			Standard: "GB/T 14684-2022", Unit: "t", Manufacturer: OrgQuarry,
			SpecLimits: []models.SpecLimit{rangeLimit("fineness_modulus", "", "2.3", "3.0"), maxLimit("stone_powder_content", "%", "10")},
		},
		{
			ID: ProdGlass, Name: "Tempered safety glass 8 mm, clear", Category: models.CatGlass, Names: zhName("钢化安全玻璃 8 mm（透明）"),
			Standard: "GB 15763.2-2005", Unit: "m2", GTIN: gtin("692311870008"), InspectionRequired: true, Manufacturer: OrgGlass,
			SpecLimits: []models.SpecLimit{
				minLimit("fragment_count_50mm", "pcs", "40"),
				minLimit("surface_stress", "MPa", "90"),
				maxLimit("bow_deflection", "%", "0.3"),
			},
		},
	}
}

// rebarLimits are GB/T 1499.2-2024's limits for HRB400E: lower yield
// strength, tensile strength, elongation after fracture, total elongation
// at maximum force, and the seismic ratios R°m/R°eL ≥ 1.25 and
// R°eL/ReL ≤ 1.30.
func rebarLimits() []models.SpecLimit {
	return []models.SpecLimit{
		minLimit("yield_strength", "MPa", "400"),
		minLimit("tensile_strength", "MPa", "540"),
		minLimit("elongation_after_fracture", "%", "16"),
		minLimit("total_elongation_max_force", "%", "9"),
		minLimit("tensile_yield_ratio", "", "1.25"),
		maxLimit("yield_ratio_to_nominal", "", "1.3"),
	}
}
