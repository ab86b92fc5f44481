package demo

import (
	"github.com/plumbline/plumbline/models"
)

// The demo consortium's organization IDs.
const (
	OrgBureau     = "hz-construction-bureau" // Hangzhou Municipal Construction Bureau: the authority
	OrgOwner      = "qianjiang-urban-dev"    // Qianjiang Urban Development Group: project owner
	OrgCement     = "fuchun-cement"          // cement plant
	OrgSteel      = "jiangnan-steel"         // steel mill
	OrgReadyMix   = "xihu-readymix"          // ready-mix concrete plant
	OrgQuarry     = "tonglu-quarry"          // aggregate quarry
	OrgGlass      = "qiantang-glass"         // tempered glass supplier
	OrgCarrier    = "zhehang-logistics"      // carrier for every delivery
	OrgContractor = "zhongjian-no8"          // general contractor
	OrgInspection = "zj-quality-inspection"  // inspection and testing agency
)

// The general contractor's sites.
const (
	SiteTower = "tower-a"      // the 30-storey residential tower
	SiteMetro = "metro-xixing" // the metro station
)

// The two projects, as usage locations name them.
const (
	ProjectTower = "Qianjiang Garden Residence"
	ProjectMetro = "Metro Line 9 Xixing Road Station"
)

// Organizations returns the demo consortium, the authority first, in the
// order the demo registers them.
func Organizations() []models.Organization {
	return []models.Organization{
		{ID: OrgBureau, Name: "Hangzhou Municipal Construction Bureau", Kind: models.KindAuthority, Country: "CN", City: "Hangzhou", Address: "18 Huaguang Road, Shangcheng District", Names: zhName("杭州市城乡建设委员会")},
		{ID: OrgOwner, Name: "Qianjiang Urban Development Group", Kind: models.KindAuthority, Country: "CN", City: "Hangzhou", Address: "300 Jiangnan Avenue, Binjiang District", Names: zhName("杭州钱江城市发展集团有限公司")},
		{ID: OrgCement, Name: "Fuchun Cement Co., Ltd.", Kind: models.KindManufacturer, Country: "CN", City: "Hangzhou", Address: "Lingqiao Industrial Park, Fuyang District", Names: zhName("杭州富春水泥有限公司")},
		{ID: OrgSteel, Name: "Jiangnan Iron & Steel Co., Ltd.", Kind: models.KindManufacturer, Country: "CN", City: "Huzhou", Address: "1 Gangcheng Road, Changxing County", Names: zhName("江南钢铁股份有限公司")},
		{ID: OrgReadyMix, Name: "Xihu Ready-Mixed Concrete Co., Ltd.", Kind: models.KindManufacturer, Country: "CN", City: "Hangzhou", Address: "66 Zhuantang Industrial Road, Xihu District", Names: zhName("杭州西湖商品混凝土有限公司")},
		{ID: OrgQuarry, Name: "Tonglu Building Stone Quarry", Kind: models.KindManufacturer, Country: "CN", City: "Hangzhou", Address: "Fenshui Town, Tonglu County", Names: zhName("桐庐建筑石料厂")},
		{ID: OrgGlass, Name: "Qiantang Safety Glass Co., Ltd.", Kind: models.KindManufacturer, Country: "CN", City: "Hangzhou", Address: "9 Hongda Road, Xiaoshan Economic Zone", Names: zhName("杭州钱塘安全玻璃有限公司")},
		{ID: OrgCarrier, Name: "Zhehang Building Materials Logistics Co., Ltd.", Kind: models.KindCarrier, Country: "CN", City: "Hangzhou", Address: "Jiubao Logistics Hub, Shangcheng District", Names: zhName("浙杭建材物流有限公司")},
		{ID: OrgContractor, Name: "Zhongjian No. 8 Engineering Bureau, Hangzhou Branch", Kind: models.KindContractor, Country: "CN", City: "Hangzhou", Address: "2 Qianjiang Road, Shangcheng District", Sites: []string{SiteTower, SiteMetro}, Names: zhName("中建八局杭州分公司"),
			SiteNames: map[string]models.LocalNames{
				SiteTower: {"en": "Qianjiang Garden Residence, Tower A", "zh-CN": "钱江花园住宅 A 栋"},
				SiteMetro: {"en": "Metro Line 9, Xixing Road Station", "zh-CN": "地铁 9 号线西兴路站"},
			}},
		{ID: OrgInspection, Name: "Zhejiang Construction Engineering Quality Inspection Center", Kind: models.KindInspection, Country: "CN", City: "Hangzhou", Address: "20 Wensan Road, Xihu District", Names: zhName("浙江省建设工程质量检验检测中心")},
	}
}

// people are the demo users' names, four per organization, in
// Organizations order: admin, operator, inspector, viewer.
var people = []string{
	"Zhou Wei", "Chen Jing", "Lin Hao", "Xu Min",
	"Zhang Lei", "Wang Fang", "Liu Yang", "Sun Li",
	"Shen Jianguo", "He Xiaoyan", "Lu Qiang", "Fang Ting",
	"Gu Haibo", "Qian Yun", "Tang Bin", "Ye Lan",
	"Yu Zhiming", "Jiang Hui", "Cao Feng", "Pan Xue",
	"Fei Dong", "Hu Meiling", "Ding Kai", "Wu Qian",
	"Mao Jun", "Zheng Yi", "Kong Rui", "Xia Wen",
	"Yao Gang", "Dai Ping", "Shi Lei", "Cheng Na",
	"Song Tao", "Huang Li", "Ma Chao", "Luo Jie",
	"Zhu Qing", "Guo Ming", "Li Na", "Han Bo",
}

// Users returns the demo users: one per role per organization, with IDs
// such as "fuchun-cement.operator", in Organizations order.
func Users() []models.User {
	var us []models.User
	for i, o := range Organizations() {
		for j, r := range models.Roles {
			us = append(us, models.User{ID: UserID(o.ID, r), OrgID: o.ID, Name: people[4*i+j], Role: r})
		}
	}
	return us
}

// UserID is the ID of the demo user with role r in organization org.
func UserID(org string, r models.Role) string { return org + "." + string(r) }

// gtin completes a GTIN body (all digits but the check digit) with its
// GS1 check digit.
func gtin(body string) string {
	sum := 0
	for i := len(body) - 1; i >= 0; i-- {
		d := int(body[i] - '0')
		if (len(body)-1-i)%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return body + string(rune('0'+(10-sum%10)%10))
}

// zhName is a record's Chinese name (its Name is in English).
func zhName(name string) models.LocalNames { return models.LocalNames{"zh-CN": name} }
